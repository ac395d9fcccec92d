import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import { digestOf } from '../../domain/audit/audit-chain';
import { endTransfer, releaseIfDue } from './end-transfer';
import { haltIfCancelled } from './halt-if-cancelled';
import { intentOfTransfer } from './intent-of-transfer';
import { walletAddressOf } from './load-wallet';
import { auditEntry, recordAudit } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter, type NewTransferEvent } from './transfer-events-builder';

export type ScreenTransferDeps = Pick<
  TransferDeps,
  'events' | 'ledger' | 'wallets' | 'screening' | 'travelRuleThresholds' | 'audit' | 'clock'
>;

const ACTOR = 'workflow:screen';

/**
 * Screens the real counterparty (the decoded recipient or spender, never just the token contract):
 * a hit rejects the transfer and releases its funds. Above the chain's travel-rule threshold a
 * travel-rule record (originator, beneficiary, amount) is kept in the audit trail. A provider that
 * cannot answer fails the step (it is retried); nothing is cleared on a guess.
 */
export async function screenTransfer(
  deps: ScreenTransferDeps,
  input: StepInput,
): Promise<StepOutput<{ outcome: 'CLEARED' | 'REJECTED' }>> {
  return runTransferStep<{ outcome: 'CLEARED' | 'REJECTED' }>(deps.events, input, async (state) => {
    if (state.screening === 'CLEARED') return { result: { outcome: 'CLEARED' }, state };
    if (TERMINAL_STATUSES.has(state.status))
      return { result: { outcome: 'REJECTED' }, state: await releaseIfDue(deps, state, ACTOR) };
    haltIfCancelled(state);
    const from = await walletAddressOf(deps, state);
    const intent = intentOfTransfer(state, from);
    const result = await deps.screening.screen({
      transferId: state.id,
      chainId: state.chainId,
      counterparty: intent.counterparty,
      asset: intent.asset,
      amount: intent.amount,
    });
    const at = deps.clock();
    // SCREENING_STARTED and the outcome are written together, once the provider has answered.
    const started: NewTransferEvent[] = state.status === 'SUBMITTED' ? [{ type: 'SCREENING_STARTED', data: {} }] : [];
    if (result.hit) {
      const ended = await endTransfer(
        deps,
        state,
        ACTOR,
        {
          type: 'REJECTED',
          data: { stage: 'SCREENING', reason: `screening (${deps.screening.name}): ${result.reason}` },
        },
        [...started, { type: 'SCREENING_HIT', data: { provider: deps.screening.name, reason: result.reason } }],
      );
      return { result: { outcome: 'REJECTED' }, state: ended };
    }
    const threshold = deps.travelRuleThresholds.get(state.chainId);
    let travelRuleRecordId: string | undefined;
    if (threshold !== undefined && intent.asset === 'native' && intent.amount >= threshold) {
      const record = {
        originator: { walletId: state.walletId, address: from, initiatorId: state.initiatorId },
        beneficiary: intent.counterparty,
        asset: intent.asset,
        amount: intent.amount.toString(),
      };
      travelRuleRecordId = `tr-rec-${digestOf(record).slice(2, 26)}`;
      await recordAudit(deps.audit, {
        traceId: state.traceId,
        actor: ACTOR,
        action: 'TRAVEL_RULE_RECORD',
        inputs: record,
        result: travelRuleRecordId,
        at,
      });
    }
    const next = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, at, [
        ...started,
        {
          type: 'SCREENING_CLEARED',
          data: { provider: deps.screening.name, ...(travelRuleRecordId === undefined ? {} : { travelRuleRecordId }) },
        },
      ]),
      {
        audit: auditEntry({
          traceId: state.traceId,
          actor: ACTOR,
          action: 'SCREENING_CLEARED',
          inputs: { counterparty: intent.counterparty },
          result: deps.screening.name,
          at,
        }),
      },
    );
    return { result: { outcome: 'CLEARED' }, state: next };
  });
}
