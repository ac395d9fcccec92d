import { checkDecisionAllowed } from '../../domain/approvals/check-decision-allowed';
import { groupIdsOf } from '../../domain/approvals/required-groups-of';
import { tallyApprovals, type ApprovalOutcome } from '../../domain/approvals/tally-approvals';
import { ApprovalError, ConflictError, StrongroomError, ValidationError } from '../../domain/errors';
import { requireWalletInScope, type Principal } from '../../domain/principal';
import { parseAssertion } from '../../domain/passkeys/parse-assertion';
import { expectObject, optionalString, rejectUnknownFields } from '../../domain/validation';
import type { ApprovalResolution } from '../../ports/approval-store';
import { loadTransfer } from './load-transfer';
import { countableDecisions, passkeyEvidenceFor } from '../approvals/passkey-approvals';
import { recordAudit } from './record-audit';
import { resumeWaitingTask } from './resume-waiting-task';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type DecideApprovalDeps = Pick<
  TransferDeps,
  'events' | 'approvals' | 'groups' | 'workflow' | 'audit' | 'clock' | 'passkeys' | 'deploymentId' | 'publicBaseUrl'
>;

export interface ApprovalDecisionResult {
  readonly requestId: string;
  readonly transferId: string;
  readonly decision: 'approve' | 'reject';
  /** Where the request stands after this decision. */
  readonly outcome: ApprovalOutcome;
  /** When this decision resolved the request: whole seconds since it was requested (the approval wait). */
  readonly waitedSeconds?: number;
}

/**
 * Parses `{decision: "approve"|"reject", comment?, assertion?}`: `assertion` is the approver's passkey
 * signature (a WebAuthn AuthenticationResponseJSON, or its JSON text as a form posts it), checked later.
 */
export function parseDecisionBody(body: unknown): {
  decision: 'approve' | 'reject';
  comment?: string;
  assertion?: unknown;
} {
  const value = expectObject(body, 'body');
  rejectUnknownFields(value, ['decision', 'comment', 'assertion'], '');
  const decision = value.decision;
  if (decision !== 'approve' && decision !== 'reject') {
    throw new ValidationError(
      decision === undefined ? 'REQUEST.MISSING_FIELD' : 'REQUEST.INVALID_FIELD',
      'decision',
      'must be "approve" or "reject"',
    );
  }
  const comment = optionalString(value, 'comment', '', { maxLength: 500 });
  const assertion = parseAssertion(value.assertion);
  return { decision, ...(comment === undefined ? {} : { comment }), ...(assertion === undefined ? {} : { assertion }) };
}

/**
 * An approver's decision (ARCHITECTURE.md §4.3): refused unless the approver is a member of a group
 * the request needs, is not the initiator, has not decided, and the request is open and unexpired.
 * The quorum is recounted from every recorded decision; the first resolution written wins, and only
 * its writer resumes the workflow, so two decisions racing to complete a quorum resume it once.
 */
export async function decideApproval(
  deps: DecideApprovalDeps,
  request: { readonly principal: Principal; readonly requestId: string; readonly body: unknown },
): Promise<ApprovalDecisionResult> {
  const { decision, comment, assertion } = parseDecisionBody(request.body);
  const stored = await deps.approvals.get(request.requestId);
  if (stored === undefined)
    throw new StrongroomError('APPROVAL.REQUEST_NOT_FOUND', `no approval request ${request.requestId}`, {
      details: { requestId: request.requestId },
    });
  const groups = await deps.groups.getMany(groupIdsOf(stored.requirement));
  const now = deps.clock();
  const state = await loadTransfer(deps.events, stored.transferId);
  requireWalletInScope(request.principal, state.walletId);
  // Separation of duties (ARCHITECTURE.md §9): whoever administers the controls never approves under them.
  if (request.principal.roles.includes('admin'))
    throw new ApprovalError(
      'APPROVAL.ADMIN_CANNOT_APPROVE',
      'a principal with the admin role never approves transfers',
      {
        details: { requestId: stored.id, approverId: request.principal.id },
      },
    );
  checkDecisionAllowed({
    request: stored,
    groups,
    existingDecisions: await deps.approvals.decisions(stored.id),
    approverId: request.principal.id,
    now,
    resolved: (await deps.approvals.resolution(stored.id)) !== undefined || state.cancelRequested !== undefined,
  });
  const evidence = await passkeyEvidenceFor(deps, {
    request: stored,
    transfer: state,
    groups,
    approverId: request.principal.id,
    decision,
    assertion,
    at: now,
  });
  await deps.approvals.decide({
    requestId: stored.id,
    approverId: request.principal.id,
    decision,
    at: now,
    ...(comment === undefined ? {} : { comment }),
    ...(evidence === undefined ? {} : { evidence }),
  });
  await recordAudit(deps.audit, {
    traceId: state.traceId,
    actor: request.principal.id,
    action: `APPROVAL_${decision.toUpperCase()}`,
    inputs: {
      requestId: stored.id,
      comment,
      ...(evidence === undefined ? {} : { passkey: { credentialId: evidence.credentialId, digest: evidence.digest } }),
    },
    result: decision,
    at: now,
  });

  // Only decisions that would count at Authorize count here: a row written around this API does not.
  const counted = await countableDecisions(deps, {
    request: stored,
    transfer: state,
    groups,
    decisions: await deps.approvals.decisions(stored.id),
  });
  const tally = tallyApprovals({ request: stored, groups, decisions: counted.decisions, now });
  let waitedSeconds: number | undefined;
  if (tally.outcome === 'APPROVED' || tally.outcome === 'REJECTED') {
    const resolution: ApprovalResolution = {
      requestId: stored.id,
      outcome: tally.outcome,
      at: now,
      ...(tally.rejectedBy === undefined ? {} : { by: tally.rejectedBy }),
    };
    const { won } = await deps.approvals.resolve(resolution);
    if (won) {
      waitedSeconds = Math.max(0, Math.round((now.getTime() - stored.createdAt.getTime()) / 1000));
      const approverIds = [...new Set(tally.approvals.flatMap((g) => g.approverIds))];
      await appendWithRetry(
        deps,
        stored.transferId,
        () =>
          tally.outcome === 'APPROVED'
            ? [{ type: 'APPROVAL_GRANTED', data: { approvalRequestId: stored.id, approverIds } }]
            : [
                {
                  type: 'APPROVAL_REJECTED',
                  data: { approvalRequestId: stored.id, rejectedBy: tally.rejectedBy ?? request.principal.id },
                },
              ],
        now,
      );
      await resumeWaitingTask(
        deps,
        await loadTransfer(deps.events, stored.transferId),
        tally.outcome,
        tally.rejectedBy,
      );
    }
  }
  return {
    requestId: stored.id,
    transferId: stored.transferId,
    decision,
    outcome: tally.outcome,
    ...(waitedSeconds === undefined ? {} : { waitedSeconds }),
  };
}

/** Appends after re-reading when another writer (a cancellation) got in first. */
async function appendWithRetry(
  deps: Pick<TransferDeps, 'events'>,
  transferId: string,
  build: (state: Awaited<ReturnType<typeof loadTransfer>>) => Parameters<typeof eventsAfter>[3],
  at: Date,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const state = await loadTransfer(deps.events, transferId);
    try {
      await deps.events.append(state, eventsAfter(state, 'api:approvals', at, build(state)));
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 4) throw error;
    }
  }
}
