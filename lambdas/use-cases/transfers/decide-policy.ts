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
 * none), the wallet's status, and the velocity of every transfer reserved before this one.
 */
export async function decidePolicy(
  deps: Pick<TransferDeps, 'ledger' | 'events' | 'clock'>,
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
  return evaluatePolicy(wallet.policy, {
    intent,
    initiator,
    now,
    walletStatus: policyWalletStatus(wallet.status),
    usage: await deps.ledger.priorUsage(state.id, now),
    ...(await lastTransferBefore(deps, state)),
  });
}

/**
 * When the wallet's previous transfer was submitted, for the cooldown limit. The wallet listing is an
 * index that may lag a write by a moment, so two transfers submitted at the same instant can both
 * pass a cooldown; the velocity limits, read from the ledger, have no such gap.
 */
async function lastTransferBefore(
  deps: Pick<TransferDeps, 'events'>,
  state: TransferState,
): Promise<{ lastTransferAt?: Date }> {
  const { items } = await deps.events.listByWallet(state.walletId, { limit: 10 });
  const previous = items.find((t) => t.id !== state.id && t.submittedAt.getTime() <= state.submittedAt.getTime());
  return previous === undefined ? {} : { lastTransferAt: previous.submittedAt };
}
