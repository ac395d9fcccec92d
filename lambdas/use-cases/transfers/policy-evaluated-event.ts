import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { PolicyDecision } from '../../domain/policy/policy';
import type { JudgedActivity } from './decide-policy';
import type { NewTransferEvent } from './transfer-events-builder';

/**
 * The POLICY_EVALUATED event of a decision. Its id names the transfer and the stream position it is
 * recorded at, so each evaluation (EvaluatePolicy, then each Authorize) has its own, and a proof
 * names exactly the decision it was signed under.
 */
export function policyEvaluatedEvent(
  state: TransferState,
  decision: PolicyDecision,
  activity?: JudgedActivity,
): NewTransferEvent & { type: 'POLICY_EVALUATED' } {
  return {
    type: 'POLICY_EVALUATED',
    data: {
      decisionId: `pd-${state.id.replace(/^tx-/, '')}-${state.seq + 1}`,
      policyVersion: decision.policyVersion,
      action: decision.action,
      matchedRuleIds: decision.matchedRuleIds,
      decidingRuleIds: decision.decidingRuleIds,
      reason: decision.reason,
      ...(decision.approval === undefined ? {} : { approval: decision.approval }),
      ...(activity === undefined ? {} : { activity }),
    },
  };
}
