import type { ActionType, Escalation } from '../../domain/policy/policy';
import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import type { Wallet } from '../../domain/wallets/wallet';
import type { WalletEvent } from '../../domain/wallets/wallet-events';
import { decidePolicy } from './decide-policy';
import { policyEvaluatedEvent } from './policy-evaluated-event';
import { endTransfer, releaseIfDue } from './end-transfer';
import { haltIfCancelled } from './halt-if-cancelled';
import { loadWallet } from './load-wallet';
import { auditEntry, recordAudit } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type EvaluateTransferPolicyDeps = Pick<TransferDeps, 'events' | 'ledger' | 'wallets' | 'audit' | 'clock'>;

const ACTOR = 'workflow:policy';

/**
 * EvaluatePolicy (ARCHITECTURE.md §4.2): deny by default, a matching BLOCK wins, otherwise the most
 * restrictive matching action; escalations freeze or lock the wallet down. A BLOCK rejects the
 * transfer naming the rules and releases its funds. Re-running the step returns the recorded decision.
 */
export async function evaluateTransferPolicy(
  deps: EvaluateTransferPolicyDeps,
  input: StepInput,
): Promise<StepOutput<{ action: ActionType }>> {
  return runTransferStep<{ action: ActionType }>(deps.events, input, async (state) => {
    if (state.policy !== undefined)
      return { result: { action: TERMINAL_STATUSES.has(state.status) ? 'BLOCK' : state.policy.action }, state };
    if (TERMINAL_STATUSES.has(state.status))
      return { result: { action: 'BLOCK' }, state: await releaseIfDue(deps, state, ACTOR) };
    haltIfCancelled(state);
    const wallet = await loadWallet(deps.wallets, state.walletId);
    const { decision, activity } = await decidePolicy(deps, state, wallet);
    await applyEscalations(deps, wallet, decision.escalations, state.id);
    const at = deps.clock();
    const evaluated = policyEvaluatedEvent(state, decision, activity);
    const report = {
      traceId: state.traceId,
      actor: ACTOR,
      action: 'POLICY_EVALUATED',
      inputs: { policyVersion: decision.policyVersion, walletStatus: wallet.status },
      result: `${decision.action}: ${decision.reason}`,
      at,
    };
    if (decision.action === 'BLOCK') {
      await recordAudit(deps.audit, report);
      const ended = await endTransfer(
        deps,
        state,
        ACTOR,
        { type: 'REJECTED', data: { stage: 'POLICY', reason: decision.reason, ruleIds: decision.decidingRuleIds } },
        [evaluated],
      );
      return { result: { action: decision.action }, state: ended };
    }
    const next = await deps.events.append(state, eventsAfter(state, ACTOR, at, [evaluated]), {
      audit: auditEntry(report),
    });
    return { result: { action: decision.action }, state: next };
  });
}

/** FREEZE and LOCKDOWN escalations stop the whole wallet, not just this transfer. */
async function applyEscalations(
  deps: Pick<TransferDeps, 'wallets' | 'clock'>,
  wallet: Wallet,
  escalations: readonly Escalation[],
  transferId: string,
): Promise<void> {
  const lockdown = escalations.find((e) => e.type === 'LOCKDOWN');
  const freeze = escalations.find((e) => e.type === 'FREEZE');
  const at = deps.clock();
  const next = (type: 'FROZEN' | 'LOCKED_DOWN', reason: string): WalletEvent =>
    ({
      walletId: wallet.id,
      seq: wallet.version + 1,
      type,
      at,
      actor: ACTOR,
      data: { reason: `${reason} (transfer ${transferId})` },
    }) as WalletEvent;
  if (lockdown !== undefined && wallet.status !== 'LOCKED_DOWN')
    await deps.wallets.append(wallet, [next('LOCKED_DOWN', lockdown.reason)]);
  else if (freeze !== undefined && wallet.status === 'ACTIVE')
    await deps.wallets.append(wallet, [next('FROZEN', freeze.reason)]);
}
