import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import { digestOf } from '../../domain/audit/audit-chain';
import { endTransfer, releaseIfDue } from './end-transfer';
import { haltIfCancelled } from './halt-if-cancelled';
import { intentOfTransfer } from './intent-of-transfer';
import { loadTransfer } from './load-transfer';
import { loadWallet } from './load-wallet';
import { recordAudit } from './record-audit';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

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
  input: { readonly transferId: string },
): Promise<{ outcome: 'CLEARED' | 'REJECTED' }> {
  let state = await loadTransfer(deps.events, input.transferId);
  if (state.screening === 'CLEARED') return { outcome: 'CLEARED' };
  if (TERMINAL_STATUSES.has(state.status)) {
    await releaseIfDue(deps, state, ACTOR);
    return { outcome: 'REJECTED' };
  }
  haltIfCancelled(state);
  if (state.status === 'SUBMITTED') {
    state = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, deps.clock(), [{ type: 'SCREENING_STARTED', data: {} }]),
    );
  }
  const wallet = await loadWallet(deps.wallets, state.walletId);
  const intent = intentOfTransfer(state, wallet.address);
  const result = await deps.screening.screen({
    transferId: state.id,
    chainId: state.chainId,
    counterparty: intent.counterparty,
    asset: intent.asset,
    amount: intent.amount,
  });
  const at = deps.clock();
  if (result.hit) {
    await endTransfer(
      deps,
      state,
      ACTOR,
      {
        type: 'REJECTED',
        data: { stage: 'SCREENING', reason: `screening (${deps.screening.name}): ${result.reason}` },
      },
      [{ type: 'SCREENING_HIT', data: { provider: deps.screening.name, reason: result.reason } }],
    );
    return { outcome: 'REJECTED' };
  }
  const threshold = deps.travelRuleThresholds.get(state.chainId);
  let travelRuleRecordId: string | undefined;
  if (threshold !== undefined && intent.asset === 'native' && intent.amount >= threshold) {
    const record = {
      originator: { walletId: wallet.id, address: wallet.address, initiatorId: state.initiatorId },
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
  await deps.events.append(
    state,
    eventsAfter(state, ACTOR, at, [
      {
        type: 'SCREENING_CLEARED',
        data: { provider: deps.screening.name, ...(travelRuleRecordId === undefined ? {} : { travelRuleRecordId }) },
      },
    ]),
  );
  await recordAudit(deps.audit, {
    traceId: state.traceId,
    actor: ACTOR,
    action: 'SCREENING_CLEARED',
    inputs: { counterparty: intent.counterparty },
    result: deps.screening.name,
    at,
  });
  return { outcome: 'CLEARED' };
}
