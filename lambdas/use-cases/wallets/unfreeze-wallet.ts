import { parseReason } from '../../domain/parse-reason';
import type { Principal } from '../../domain/principal';
import type { WalletStatus } from '../../domain/wallets/wallet';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';

export type UnfreezeWalletDeps = Pick<TransferDeps, 'wallets' | 'audit' | 'clock'>;

/**
 * Unfreezes a FROZEN wallet (`POST /v1/wallets/{id}/unfreeze`, body `{reason}`). It weakens a
 * control, so only an admin may do it (the route checks the role); the governance quorum and
 * time-lock of ARCHITECTURE.md §1.9 are not built yet. A wallet that is not FROZEN is a 409.
 */
export async function unfreezeWallet(
  deps: UnfreezeWalletDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<{ id: string; status: WalletStatus }> {
  const reason = parseReason(request.body, { required: true });
  const at = deps.clock();
  const wallet = await changeWallet(
    deps.wallets,
    { walletId: request.walletId, actor: request.principal.id, at },
    () => ({ type: 'UNFROZEN', data: { reason } }),
  );
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: request.principal.id,
    action: 'WALLET_UNFROZEN',
    inputs: { reason },
    result: wallet.status,
    at,
  });
  return { id: wallet.id, status: wallet.status };
}
