import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { ValidationError } from '../../domain/errors';
import { requireWalletInScope } from '../../domain/principal';
import { METRIC } from '../../observability/metric-names';
import { decideByLink, openApprovalLink } from '../../use-cases/approvals/approval-link';
import { getApprovalRequest } from '../../use-cases/approvals/get-approval-request';
import { loadTransfer } from '../../use-cases/transfers/load-transfer';
import { decideApproval, type ApprovalDecisionResult } from '../../use-cases/transfers/decide-approval';
import { checkString, expectObject, rejectUnknownFields } from '../../domain/validation';
import { completeEnrollment, openEnrollment } from '../../use-cases/passkeys/enroll-passkey';
import { decisionPageResponse, linkPageResponse } from './approval-page/approval-link-responses';
import { changeDecisionPageResponse, changeLinkPageResponse } from './governance-page/change-link-responses';
import { decideChangeByLink, openChangeLink } from '../../use-cases/governed-changes/change-link';
import { enrollmentPageResponse } from './passkey-page/enrollment-responses';
import type { ApiRequest } from './http/api-request';
import { apiHandler } from './http/api-handler';
import { pathId } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

type Ports = PortsOf<typeof FUNCTIONS.approvals>;

const api = functionRoutes<Ports, 'approvals'>('approvals', {
  // A member's enrollment link: the page reads only (scanners fetch links); the POST carries the secret in its JSON body.
  'GET /v1/passkeys/enroll/{id}': async (r, deps) => {
    const secret = r.query.t ?? '';
    return enrollmentPageResponse(await openEnrollment(deps, { enrollmentId: pathId(r), secret }), secret);
  },
  'POST /v1/passkeys/enroll/{id}': async (r, deps) => {
    const body = expectObject(r.body, 'body');
    rejectUnknownFields(body, ['t', 'response'], '');
    const secret = checkString(body.t, 't', { maxLength: 64 });
    const enrolled = await completeEnrollment(deps, { enrollmentId: pathId(r), secret, response: body.response });
    return {
      status: 201,
      body: { ...enrolled, message: 'Your passkey is enrolled. You approve with it from now on.' },
    };
  },
  // A governance member's link: the page reads only; the decision posts the secret in its body (form or JSON).
  'GET /v1/governance/changes/{id}/decide': async (r, deps) => {
    const secret = r.query.t ?? '';
    return changeLinkPageResponse(await openChangeLink(deps, { changeId: pathId(r), secret }), secret);
  },
  'POST /v1/governance/changes/{id}/decide': async (r, deps) => {
    const link = linkFieldsOf(r, 'reason');
    if (link === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', 't', "is required: the link's secret");
    const decided = decideChangeByLink(deps, { changeId: pathId(r), secret: link.secret, body: link.body });
    if (!link.form) return { status: 200, body: await decided };
    return changeDecisionPageResponse(await decided.catch((error: unknown) => error), link.body.decision);
  },
  'POST /v1/approvals/{id}': async (r, deps) => {
    const link = linkFieldsOf(r);
    if (link === undefined) {
      // The API path: an approver's bearer token.
      const decided = await decideApproval(deps, {
        principal: requireRole(r.principal, 'approver'),
        requestId: pathId(r),
        body: r.body,
      });
      recordWait(deps, decided);
      return { status: 200, body: decided };
    }
    // The link path: the secret in the body (never the URL) names the member who decides.
    const decide = decideByLink(deps, { requestId: pathId(r), secret: link.secret, body: link.body });
    if (!link.form) {
      const decided = await decide;
      recordWait(deps, decided);
      return { status: 200, body: decided };
    }
    const outcome = await decide.then(
      (decided) => {
        recordWait(deps, decided);
        return decided;
      },
      (error: unknown) => error,
    );
    return decisionPageResponse(outcome);
  },
  'GET /v1/approvals/{id}': async (r, deps) => {
    const secret = r.query.t;
    if (secret !== undefined) {
      // An approver's link: a page, and nothing written (scanners fetch every link they see).
      const requestId = pathId(r);
      return linkPageResponse(await openApprovalLink(deps, { requestId, secret }), requestId, secret);
    }
    const principal = requireRole(r.principal, 'approver', 'admin', 'auditor');
    const view = await getApprovalRequest(deps, { requestId: pathId(r) });
    if (principal.wallets !== undefined)
      requireWalletInScope(principal, (await loadTransfer(deps.events, view.transferId)).walletId);
    return { status: 200, body: view };
  },
});

/**
 * A decision sent with a link's secret `t`: from the page's form, or as JSON. Undefined: no secret, the
 * API path. `commentField` is the form's free-text field, dropped when left empty.
 */
function linkFieldsOf(
  r: ApiRequest,
  commentField: 'comment' | 'reason' = 'comment',
): { readonly secret: string; readonly body: Record<string, unknown>; readonly form: boolean } | undefined {
  const form = (r.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (typeof r.body !== 'object' || r.body === null || !('t' in r.body)) {
    if (form) throw new ValidationError('REQUEST.MISSING_FIELD', 't', 'is required in a decision form');
    return undefined;
  }
  const { t, ...fields } = r.body as Record<string, unknown>;
  if (typeof t !== 'string') throw new ValidationError('REQUEST.INVALID_FIELD', 't', 'must be a string');
  // An empty comment field of the form is no comment.
  const body = Object.fromEntries(
    Object.entries(fields).filter(([name, value]) => !(form && name === commentField && value === '')),
  );
  return { secret: t, body, form };
}

function recordWait(deps: Ports, decided: ApprovalDecisionResult): void {
  if (decided.waitedSeconds !== undefined) deps.metrics.seconds(METRIC.approvalWaitSeconds, decided.waitedSeconds);
}

/**
 * Approvals: an approver's link (`GET ?t=…` renders the decision page, nothing written; `POST` with the
 * secret in the form body decides as that member), and the API path with a bearer token (decide; read a
 * request as JSON). Passkey enrollment links: the page, and the registration it posts. Governance
 * members' links to a change: its page, and the approval or veto it posts. The link routes
 * need no bearer token; a token, when sent, must be valid.
 */
export const approvalsFunction = defineFunction(FUNCTIONS.approvals, (ports) =>
  apiHandler({ name: 'approvals', auth: 'optional', forms: true, deps: ports }, api),
);

export const { handler } = approvalsFunction;
