import type { TransferApprovalInput } from '../../../../lambdas/domain/passkeys/approval-digest';

/** The deployment the passkey tests sign under. */
export const DEPLOYMENT = 'acct-111122223333/strongroom-prod';

/** One transfer's approval intent, as RequestApproval records it: what the passkey tests sign. */
export const INTENT: TransferApprovalInput = {
  deploymentId: DEPLOYMENT,
  chainId: 1,
  decision: 'approve',
  approvalRequestId: 'apr-1',
  transferId: 'tr-1',
  walletId: 'w-1',
  from: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  asset: 'native',
  amount: 10n ** 18n,
  data: '0x',
  expiresAt: new Date('2026-12-02T10:00:00.123Z'),
};
