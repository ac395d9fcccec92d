import { evaluatePolicy } from '../../domain/policy/evaluate-policy';
import type { PolicyDecision } from '../../domain/policy/policy';
import type { TransferEventData } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { policyReadsActivity } from '../../domain/policy/policy-reads-activity';
import { isRole, type Principal } from '../../domain/principal';
import type { Wallet } from '../../domain/wallets/wallet';
import { policyWalletStatus } from '../../domain/wallets/wallet-lifecycle';
import { intentOfTransfer } from './intent-of-transfer';
import type { TransferDeps } from './transfer-deps';

/** The wallet's activity a decision was judged on (see POLICY_EVALUATED's `activity`). */
export type JudgedActivity = NonNullable<TransferEventData['POLICY_EVALUATED']['activity']>;

/** A decision, and the activity it read (none when the policy needs none). */
export interface DecidedPolicy {
  readonly decision: PolicyDecision;
  readonly activity?: JudgedActivity;
}

const NO_USAGE = { daily: 0n, weekly: 0n, monthly: 0n } as const;

/**
 * The policy's decision on a transfer now: its wallet's current policy (deny by default when it has
 * none), the wallet's status, the velocity of every transfer reserved before this one, judged at this
 * transfer's exposure, and the time of the wallet's previous transfer for the cooldown. Velocity and
 * cooldown are read from the ledger as of this transfer's reservation: strongly consistent, and ordered
 * by the conditional puts of the submits themselves, so concurrent submits cannot both pass a limit.
 * They are read only when the policy has a rolling limit on the asset or a cooldown; `recorded` (what
 * an earlier evaluation of this transfer read) is reused instead, since as of the reservation they
 * never grow.
 */
export async function decidePolicy(
  deps: Pick<TransferDeps, 'ledger' | 'clock'>,
  state: TransferState,
  wallet: Wallet,
  recorded?: JudgedActivity,
): Promise<DecidedPolicy> {
  const now = deps.clock();
  const intent = intentOfTransfer(state, wallet.address);
  if (wallet.policy === undefined) {
    return {
      decision: {
        action: 'BLOCK',
        policyVersion: 0,
        matchedRuleIds: [],
        decidingRuleIds: [],
        violations: [],
        escalations: [],
        reason: 'the wallet has no policy: deny by default',
      },
    };
  }
  const initiator: Principal = { id: state.initiatorId, roles: (state.initiatorRoles ?? []).filter(isRole) };
  const activity = policyReadsActivity(wallet.policy, intent.asset)
    ? (recorded ??
      (state.reservationSnapshot === undefined
        ? await deps.ledger.priorActivity(state.id, now)
        : await deps.ledger.priorActivityOf(
            { walletId: state.walletId, asset: state.reserved.asset },
            state.reservationSnapshot,
            now,
          )))
    : undefined;
  const decision = evaluatePolicy(wallet.policy, {
    intent,
    initiator,
    now,
    walletStatus: policyWalletStatus(wallet.status),
    usage: activity?.usage ?? NO_USAGE,
    ...(state.exposure === undefined ? {} : { exposure: state.exposure }),
    ...(activity?.previousReservationAt === undefined ? {} : { lastTransferAt: activity.previousReservationAt }),
  });
  return activity === undefined ? { decision } : { decision, activity };
}
