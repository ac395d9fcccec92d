import type { EnrollmentLinkState } from '../../../use-cases/passkeys/enroll-passkey';
import { approvalPageHeaders } from '../approval-page/approval-page-headers';
import type { ApprovalNoticeView } from '../approval-page/approval-page-view';
import { newNonce } from '../approval-page/page-nonce';
import { renderApprovalNotice } from '../approval-page/render-approval-notice';
import type { ApiResponse } from '../http/api-response';
import { passkeyPageHeaders } from './passkey-page-headers';
import { renderEnrollmentPage } from './render-enrollment-page';

/**
 * The page behind an enrollment link: the create-passkey page (200, its one script under a nonce), or
 * a notice with the status that says why there is none: 404 unknown, 403 wrong link, 409 used, 410
 * expired. Notices run no script.
 */
export function enrollmentPageResponse(state: EnrollmentLinkState, secret: string): ApiResponse {
  const nonce = newNonce();
  if (state.kind === 'open')
    return {
      status: 200,
      body: renderEnrollmentPage({ memberName: state.memberName, secret, options: state.options }, nonce),
      headers: passkeyPageHeaders(nonce),
    };
  const view = noticeOf(state);
  return { status: view.status, body: renderApprovalNotice(view, nonce), headers: approvalPageHeaders(nonce) };
}

function noticeOf(state: Exclude<EnrollmentLinkState, { kind: 'open' }>): ApprovalNoticeView {
  switch (state.kind) {
    case 'not-found':
      return { status: 404, title: 'No such enrollment', lines: [] };
    case 'wrong-link':
      return {
        status: 403,
        title: 'This link is not valid',
        lines: ['Use the link you received, unchanged.'],
      };
    case 'completed':
      return {
        status: 409,
        title: 'This link has been used',
        lines: [
          `A passkey was enrolled with it at ${state.at.toISOString()} (UTC). Ask for a new link to add another.`,
        ],
      };
    case 'expired':
      return {
        status: 410,
        title: 'This link has expired',
        lines: [`It expired at ${state.expiresAt.toISOString()} (UTC). Ask for a new link.`],
      };
  }
}
