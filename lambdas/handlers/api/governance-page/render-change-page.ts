import type { ChangeView } from '../../../domain/governance/change-request';
import { StrongroomError } from '../../../domain/errors';
import type { ChangeLinkState } from '../../../use-cases/governed-changes/change-link';
import { escapeHtml } from '../approval-page/escape-html';
import { formatUtc } from '../approval-page/format-utc';
import { htmlDocument } from '../approval-page/html-document';
import { decisionFormHtml } from '../passkey-page/decision-form';
import { passkeyAssertionScript } from '../passkey-page/passkey-assertion-script';

export type OpenChangeLink = Extract<ChangeLinkState, { kind: 'open' }>;

/**
 * The decision page behind a governance member's link: what the change does and why it weakens a
 * control, its payload as recorded (what the passkey signs covers exactly it), who proposed it, the
 * votes, the time-lock, and one form posting the link secret in its body with Approve (when the member
 * may approve) and Veto. With passkeys, the page's one script (under the CSP nonce) has each button
 * sign its decision's challenge. Rendering decides nothing; only the form's POST does.
 */
export function renderChangePage(state: OpenChangeLink, secret: string, nonce: string): string {
  const { change, member, passkey } = state;
  const body = [
    '<main>',
    '<h1>A change to the controls waits for governance</h1>',
    `<p class="amount" data-field="kind">${escapeHtml(change.action.kind)} of ${code(change.action.subject)}</p>`,
    '<dl>',
    '<dt>Why it weakens a control</dt>',
    `<dd data-field="weakening"><ul>${change.weakening.map((w) => `<li>${bdi(w)}</li>`).join('')}</ul></dd>`,
    '<dt>Reason given</dt>',
    `<dd data-field="reason">${bdi(change.reason)}</dd>`,
    '<dt>Proposed by</dt>',
    `<dd data-field="proposer">${bdi(change.proposedBy)}, ${timeOf(change.proposedAt)}</dd>`,
    '<dt>The change, as recorded</dt>',
    `<dd data-field="payload"><pre>${escapeHtml(JSON.stringify(change.action.payload, null, 2))}</pre></dd>`,
    '<dt>Status</dt>',
    `<dd data-field="status">${escapeHtml(change.status)}</dd>`,
    '<dt>Votes</dt>',
    `<dd data-field="quorum">${integer(change.approvals.length)} of ${integer(change.governance.quorum)} approvals so far</dd>`,
    votesField(change),
    '<dt>Time-lock</dt>',
    `<dd data-field="time-lock">${timeLockLine(change)}</dd>`,
    '<dt>Approvals close</dt>',
    `<dd data-field="expires">${timeOf(change.expiresAt)}</dd>`,
    '</dl>',
    decisionForm(state, secret),
    passkey === undefined ? '' : `<script nonce="${escapeHtml(nonce)}">${passkeyAssertionScript()}</script>`,
    '<footer class="muted">',
    `<p>This link is for <span data-field="member">${bdi(member.name)} (${bdi(member.id)})</span> alone:`,
    'do not forward it. Opening it decides nothing; only the buttons do.</p>',
    '</footer>',
    '</main>',
  ];
  return htmlDocument({
    title: `Governance change ${change.id}`,
    nonce,
    body: body.filter((line) => line !== '').join('\n'),
  });
}

/** Text isolated from its neighbours' direction, so a name with bidi controls cannot reorder the rest. */
const bdi = (text: string): string => `<bdi>${escapeHtml(text)}</bdi>`;
const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
const integer = (value: number): string => escapeHtml(String(value));
const timeOf = (moment: Date): string =>
  `<time datetime="${escapeHtml(moment.toISOString())}">${escapeHtml(formatUtc(moment))}</time>`;

function votesField(change: ChangeView): string {
  const votes = [
    ...change.approvals.map((a) => `<li>${bdi(a.memberId)} approved, ${timeOf(a.at)}</li>`),
    ...(change.vetoedBy === undefined
      ? []
      : [`<li>${bdi(change.vetoedBy.memberId)} vetoed, ${timeOf(change.vetoedBy.at)}</li>`]),
  ];
  return votes.length === 0
    ? '<dd data-field="votes">No votes yet</dd>'
    : `<dd data-field="votes"><ul>${votes.join('')}</ul></dd>`;
}

function timeLockLine(change: ChangeView): string {
  const seconds = `${integer(change.timeLockSeconds)} seconds after its quorum`;
  return change.effectiveAt === undefined
    ? `Takes effect ${seconds}; any member may veto it until then.`
    : `Takes effect at ${timeOf(change.effectiveAt)} (${seconds}); any member who has not approved may veto it until then.`;
}

function decisionForm(state: OpenChangeLink, secret: string): string {
  const { passkey, change, mayApprove } = state;
  return decisionFormHtml({
    action: formAction(change.id),
    secret,
    textField: { name: 'reason', label: 'Reason (optional)', maxLength: 256 },
    buttons: [...(mayApprove ? [{ decision: 'approve', label: 'Approve' }] : []), { decision: 'veto', label: 'Veto' }],
    ...(passkey === undefined ? {} : { passkey }),
    ...(mayApprove
      ? {}
      : {
          note: '<p class="muted" data-field="veto-only">You cannot approve this change (you proposed it, it adds you, or its quorum is reached): you may veto it.</p>',
        }),
  });
}

/**
 * `decide`, relative: from `/v1/governance/changes/{id}/decide?t=…` it resolves to the same path
 * without the query, so the secret leaves the page only in the POST body. The id is checked by the
 * use case (ID_RULE); an id that would make the action leave the path is a bug, not a page.
 */
function formAction(changeId: string): string {
  if (changeId === '' || changeId.includes('/'))
    throw new StrongroomError('INTERNAL.ERROR', 'the change id cannot serve in a relative form action');
  return 'decide';
}
