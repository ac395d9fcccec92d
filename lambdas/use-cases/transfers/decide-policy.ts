import { evaluatePolicy } from '../../domain/policy/evaluate-policy';
import type { PolicyDecision } from '../../domain/policy/policy';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { isRole, type Principal } from '../../domain/principal';
import type { Wallet } from '../../domain/wallets/wallet';
import { policyWalletStatus } from '../../domain/wallets/wallet-lifecycle';
import { intentOfTransfer } from './intent-of-transfer';
import type { TransferDeps } from './transfer-deps';

/**
 * The policy's decision on a transfer now: its wallet's current policy (deny by default when it has
 * none), the wallet's status, the velocity of every transfer reserved before this one, judged at this
 * transfer's exposure, and the time of the wallet's previous transfer for the cooldown. Velocity and
 * cooldown are read from the ledger as of this transfer's reservation: strongly consistent, and ordered
 * by the conditional puts of the submits themselves, so concurrent submits cannot both pass a limit.
 */
export async function decidePolicy(
  deps: Pick<TransferDeps, 'ledger' | 'clock'>,
  state: TransferState,
  wallet: Wallet,
): Promise<PolicyDecision> {
  const now = deps.clock();
  const intent = intentOfTransfer(state, wallet.address);
  if (wallet.policy === undefined) {
    return {
      action: 'BLOCK',
      policyVersion: 0,
      matchedRuleIds: [],
      decidingRuleIds: [],
      violations: [],
      escalations: [],
      reason: 'the wallet has no policy: deny by default',
    };
  }
  const initiator: Principal = { id: state.initiatorId, roles: (state.initiatorRoles ?? []).filter(isRole) };
  const { usage, previousReservationAt } = await deps.ledger.priorActivity(state.id, now);
  return evaluatePolicy(wallet.policy, {
    intent,
    initiator,
    now,
    walletStatus: policyWalletStatus(wallet.status),
    usage,
    ...(state.exposure === undefined ? {} : { exposure: state.exposure }),
    ...(previousReservationAt === undefined ? {} : { lastTransferAt: previousReservationAt }),
  });
}
