import { isStrongroomError } from '../../../domain/errors';
import type { ChangeView } from '../../../domain/governance/change-request';
import type { ChangeLinkState } from '../../../use-cases/governed-changes/change-link';
import { approvalPageHeaders } from '../approval-page/approval-page-headers';
import type { ApprovalNoticeView } from '../approval-page/approval-page-view';
import { newNonce } from '../approval-page/page-nonce';
import { notice } from '../approval-page/approval-link-responses';
import type { ApiResponse } from '../http/api-response';
import { passkeyPageHeaders } from '../passkey-page/passkey-page-headers';
import { renderChangePage } from './render-change-page';

/** The HTML answer to opening a governance member's link: the decision form, or a page saying why there is none. */
export function changeLinkPageResponse(state: ChangeLinkState, secret: string): ApiResponse {
  if (state.kind !== 'open') return notice(noticeOf(state));
  const nonce = newNonce();
  return {
    status: 200,
    body: renderChangePage(state, secret, nonce),
    // A page that asks the passkey runs its one script, under the nonce; otherwise none.
    headers: state.passkey === undefined ? approvalPageHeaders(nonce) : passkeyPageHeaders(nonce),
  };
}

/** The HTML answer to a decision posted from the page: what it did, or why it did nothing. */
export function changeDecisionPageResponse(outcome: ChangeView | unknown, decision: unknown): ApiResponse {
  if (isChangeView(outcome)) {
    const lines = [`The change is now ${outcome.status}.`, `Change ${outcome.id}.`];
    if (outcome.status === 'TIME_LOCKED' && outcome.effectiveAt !== undefined)
      lines.splice(1, 0, `It takes effect at ${outcome.effectiveAt.toISOString()} (UTC) unless a member vetoes it.`);
    return notice({ status: 200, title: `Your ${decision === 'veto' ? 'veto' : 'approval'} is recorded`, lines });
  }
  if (!isStrongroomError(outcome)) throw outcome;
  const page = BY_CODE[outcome.code];
  if (page === undefined) throw outcome; // a bad form (400), a refused passkey, an outage (503): the API's JSON error
  return notice(page);
}

const WRONG_LINK: ApprovalNoticeView = {
  status: 403,
  title: 'This link is not valid',
  lines: ['It does not let anyone decide this change. Use the link you received, unchanged.'],
};
const NOT_FOUND: ApprovalNoticeView = { status: 404, title: 'No such change request', lines: [] };

const BY_CODE: Readonly<Record<string, ApprovalNoticeView>> = {
  'GOVERNANCE.LINK_INVALID': WRONG_LINK,
  'GOVERNANCE.CHANGE_NOT_FOUND': NOT_FOUND,
  'GOVERNANCE.PROPOSER_CANNOT_APPROVE': {
    status: 403,
    title: 'You cannot approve this change',
    lines: ['Its proposer, and any member it adds, never approves it; you may veto it.'],
  },
  'GOVERNANCE.DUPLICATE_DECISION': {
    status: 409,
    title: 'You have decided already',
    lines: ['Your first decision is the one that counts.'],
  },
  'GOVERNANCE.ALREADY_FINAL': {
    status: 409,
    title: 'This change is closed',
    lines: ['It is applied, being applied, vetoed, expired or failed: nothing more can be decided on it.'],
  },
  'GOVERNANCE.QUORUM_REACHED': {
    status: 409,
    title: 'This change has its quorum',
    lines: ['It is time-locked: only a veto is possible now.'],
  },
};

function noticeOf(state: Exclude<ChangeLinkState, { kind: 'open' }>): ApprovalNoticeView {
  switch (state.kind) {
    case 'not-found':
      return NOT_FOUND;
    case 'wrong-link':
      return WRONG_LINK;
    case 'decided':
      return {
        status: 409,
        title: 'You have decided already',
        lines: [
          `You chose to ${state.decision.decision} at ${state.decision.at.toISOString()} (UTC).`,
          `The change is ${state.change.status}.`,
        ],
      };
    case 'closed':
      return {
        // An expired change is gone for good (410), like an expired approval request.
        status: state.change.status === 'EXPIRED' ? 410 : 409,
        title: `This change is ${state.change.status.toLowerCase()}`,
        lines: ['Nothing more can be decided on it.'],
      };
  }
}

function isChangeView(value: unknown): value is ChangeView {
  return typeof value === 'object' && value !== null && 'status' in value && 'action' in value && 'governance' in value;
}
