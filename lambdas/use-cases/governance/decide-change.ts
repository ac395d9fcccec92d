import { ConflictError } from '../../domain/errors';
import {
  changeStatusOf,
  checkChangeDecisionAllowed,
  isChangeDue,
  parseChangeDecisionBody,
  type ChangeDecision,
  type ChangeView,
} from '../../domain/governance/change-request';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { Principal } from '../../domain/principal';
import { recordAudit } from '../transfers/record-audit';
import { applyChange, type ApplyChangeDeps } from './apply-change';
import { loadChange } from './get-change';
import { changeTraceId } from './governance-deps';

export type DecideChangeDeps = ApplyChangeDeps & {
  /**
   * Verifies a member's passkey assertion over the change's digest for their decision, or refuses the
   * decision without one when the change's governance group requires passkeys. Without it, such a
   * decision is refused: nothing here can verify a signature, and none is taken unverified.
   */
  readonly passkeyEvidence?: (input: {
    readonly view: ChangeView;
    readonly memberId: string;
    readonly decision: ChangeDecision['decision'];
    readonly assertion: unknown;
  }) => Promise<ChangeDecision['evidence']>;
};

/** Re-reads after a lost race: a handful is plenty, since each loser finds the winner's write. */
const MAX_ATTEMPTS = 5;

/**
 * A governance member approves or vetoes a change (`{decision: "approve" | "veto", reason?}`; 400s
 * name the field). The rules are checkChangeDecisionAllowed's; the store makes each member's decision
 * once and keeps a veto and a claim to apply from both succeeding. When this approval completes the
 * quorum and the time-lock is 0, the change is applied at once (through `apply`, or by governance for
 * SET_GOVERNANCE_GROUP); otherwise a sweep applies it when its time-lock ends.
 */
export async function decideChange(
  deps: DecideChangeDeps,
  request: { readonly principal: Principal; readonly changeId: string; readonly body: unknown },
): Promise<ChangeView> {
  const { decision, reason, assertion } = parseChangeDecisionBody(request.body);
  const memberId = request.principal.id;
  let decided: ChangeDecision | undefined;
  // Verified once: a passkey's use is recorded, so the same assertion would not verify twice.
  let evidence: { readonly value: ChangeDecision['evidence'] } | undefined;
  for (let attempt = 1; decided === undefined; attempt++) {
    const stored = await loadChange(deps.governance, request.changeId);
    const current = await deps.governance.group();
    const at = deps.clock();
    const view = changeStatusOf(stored.request, stored.decisions, stored, at);
    checkChangeDecisionAllowed({
      view,
      memberId,
      decision,
      currentGovernanceVersion: current?.version ?? view.governance.version,
    });
    evidence ??= { value: await passkeyEvidenceOf(deps, { view, memberId, decision, assertion }) };
    const candidate: ChangeDecision = {
      memberId,
      decision,
      at,
      ...(reason === undefined ? {} : { reason }),
      ...(evidence.value === undefined ? {} : { evidence: evidence.value }),
    };
    try {
      await deps.governance.decide(view.id, candidate);
      decided = candidate;
    } catch (error) {
      // A concurrent write to the same change: read again, and decide again against what won.
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
  await recordAudit(deps.audit, {
    traceId: changeTraceId(request.changeId),
    actor: memberId,
    action: decision === 'approve' ? 'GOVERNANCE_CHANGE_APPROVED' : 'GOVERNANCE_CHANGE_VETOED',
    inputs: { changeId: request.changeId, decision, reason },
    result: decision === 'approve' ? 'APPROVED' : 'VETOED',
    at: decided.at,
  });
  const after = await loadChange(deps.governance, request.changeId);
  const now = deps.clock();
  const view = changeStatusOf(after.request, after.decisions, after, now);
  if (decision === 'approve' && isChangeDue(view, now)) {
    const applied = await applyChange(deps, after, { id: `decide-${memberId}`, actor: memberId });
    // Undefined: a sweep claimed it first and applies it; show the change as it stands.
    if (applied !== undefined) return applied;
    const latest = await loadChange(deps.governance, request.changeId);
    return changeStatusOf(latest.request, latest.decisions, latest, deps.clock());
  }
  return view;
}

/** The decision's passkey evidence: verified by the deployment's verifier, required when the group says so. */
async function passkeyEvidenceOf(
  deps: DecideChangeDeps,
  input: {
    readonly view: ChangeView;
    readonly memberId: string;
    readonly decision: ChangeDecision['decision'];
    readonly assertion: unknown;
  },
): Promise<ChangeDecision['evidence']> {
  const required = input.view.governance.requirePasskeys === true;
  if (!required && input.assertion === undefined) return undefined;
  if (deps.passkeyEvidence === undefined)
    throw passkeyError('PASSKEY.ASSERTION_INVALID', 'no passkey verifier is configured for governance decisions', {
      changeId: input.view.id,
    });
  return deps.passkeyEvidence(input);
}
