import { isStrongroomError } from '../../../domain/errors';
import type { ApprovalDecisionResult } from '../../../use-cases/transfers/decide-approval';
import type { ApprovalLinkState } from '../../../use-cases/approvals/approval-link';
import type { ApiResponse } from '../http/api-response';
import { passkeyPageHeaders } from '../passkey-page/passkey-page-headers';
import { approvalPageHeaders } from './approval-page-headers';
import type { ApprovalNoticeView, ApprovalPageView } from './approval-page-view';
import { newNonce } from './page-nonce';
import { renderApprovalNotice } from './render-approval-notice';
import { renderApprovalPage } from './render-approval-page';

/** The HTML answer to opening an approver's link: the decision form, or a page saying why there is none. */
export function linkPageResponse(state: ApprovalLinkState, requestId: string, secret: string): ApiResponse {
  if (state.kind !== 'open') return notice(noticeOf(state));
  const { transfer, request, description, wallet } = state;
  const view: ApprovalPageView = {
    requestId,
    secret,
    approver: state.member,
    wallet: {
      id: transfer.walletId,
      name: wallet?.name ?? transfer.walletId,
      address: wallet?.address ?? transfer.from ?? '',
      chainId: transfer.chainId,
      chainName: description.chainName,
    },
    destination: {
      address: transfer.to,
      ...(state.destinationLabel === undefined ? {} : { label: state.destinationLabel }),
    },
    asset: description.asset,
    amount: description.amount,
    ...(description.call === undefined ? {} : { call: description.call }),
    rule: { id: transfer.policy?.decidingRuleIds?.[0] ?? transfer.policy?.matchedRuleIds[0] ?? 'policy' },
    requester: transfer.initiatorId,
    quorum: request.requirement.quorum,
    votes: state.decisions.map(({ approverId, decision, at }) => ({ approverId, decision, at })),
    expiresAt: request.expiresAt,
    ...(state.passkey === undefined ? {} : { passkey: state.passkey }),
  };
  const nonce = newNonce();
  return {
    status: 200,
    body: renderApprovalPage(view, nonce),
    // A page that asks the passkey runs its one script, under the nonce; otherwise none.
    headers: view.passkey === undefined ? approvalPageHeaders(nonce) : passkeyPageHeaders(nonce),
  };
}

/** The HTML answer to a decision posted from the page: what it did, or why it did nothing. */
export function decisionPageResponse(outcome: ApprovalDecisionResult | unknown): ApiResponse {
  if (isDecision(outcome)) {
    const verb = outcome.decision === 'approve' ? 'approval' : 'rejection';
    const where =
      outcome.outcome === 'PENDING'
        ? 'The request waits for more approvers.'
        : `The request is now ${outcome.outcome.toLowerCase()}.`;
    return notice({ status: 200, title: `Your ${verb} is recorded`, lines: [where, `Request ${outcome.requestId}.`] });
  }
  if (!isStrongroomError(outcome)) throw outcome;
  const byCode: Readonly<Record<string, ApprovalNoticeView>> = {
    'APPROVAL.LINK_INVALID': WRONG_LINK,
    'APPROVAL.REQUEST_NOT_FOUND': NOT_FOUND,
    'APPROVAL.NOT_A_MEMBER': WRONG_LINK,
    'APPROVAL.INITIATOR_CANNOT_APPROVE': {
      status: 403,
      title: 'You requested this transfer',
      lines: ['Whoever submitted a transfer never counts as its approver.'],
    },
    'APPROVAL.DUPLICATE_DECISION': {
      status: 409,
      title: 'You have decided already',
      lines: ['Your first decision is the one that counts.'],
    },
    'APPROVAL.ALREADY_RESOLVED': {
      status: 409,
      title: 'This request is resolved already',
      lines: ['Nothing more can be decided on it.'],
    },
    'APPROVAL.EXPIRED': { status: 410, title: 'This request has expired', lines: ['No decision counts any more.'] },
  };
  const page = byCode[outcome.code];
  if (page === undefined) throw outcome; // a bad form (400) or an outage (503): the API's JSON error
  return notice(page);
}

const WRONG_LINK: ApprovalNoticeView = {
  status: 403,
  title: 'This link is not valid',
  lines: ['It does not let anyone decide this request. Use the link you received, unchanged.'],
};
const NOT_FOUND: ApprovalNoticeView = { status: 404, title: 'No such approval request', lines: [] };

function noticeOf(state: Exclude<ApprovalLinkState, { kind: 'open' }>): ApprovalNoticeView {
  switch (state.kind) {
    case 'not-found':
      return NOT_FOUND;
    case 'wrong-link':
      return WRONG_LINK;
    case 'expired':
      return {
        status: 410,
        title: 'This request has expired',
        lines: [`It expired at ${state.expiresAt.toISOString()} (UTC); no decision counts any more.`],
      };
    case 'decided':
      return {
        status: 409,
        title: 'You have decided already',
        lines: [
          `You chose to ${state.decision.decision} at ${state.decision.at.toISOString()} (UTC).`,
          'Your first decision is the one that counts.',
        ],
      };
    case 'resolved':
      return {
        // An expiry is gone for good (410), whether or not the sweep has recorded it yet.
        status: state.resolution.outcome === 'EXPIRED' ? 410 : 409,
        title: `This request is ${state.resolution.outcome.toLowerCase()}`,
        lines: [
          `Resolved at ${state.resolution.at.toISOString()} (UTC)${
            state.resolution.by === undefined ? '' : ` by ${state.resolution.by}`
          }.`,
          'Nothing more can be decided on it.',
        ],
      };
  }
}

/** A notice page (no form, no link) served with its status under the strict page headers. */
export function notice(view: ApprovalNoticeView): ApiResponse {
  const nonce = newNonce();
  return { status: view.status, body: renderApprovalNotice(view, nonce), headers: approvalPageHeaders(nonce) };
}

function isDecision(value: unknown): value is ApprovalDecisionResult {
  return typeof value === 'object' && value !== null && 'outcome' in value && 'decision' in value;
}
