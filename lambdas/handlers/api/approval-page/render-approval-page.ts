import { decisionFormHtml } from '../passkey-page/decision-form';
import { passkeyAssertionScript } from '../passkey-page/passkey-assertion-script';
import { StrongroomError } from '../../../domain/errors';
import type { ApprovalPageView } from './approval-page-view';
import { escapeHtml } from './escape-html';
import { formatUtc } from './format-utc';
import { htmlDocument } from './html-document';

/**
 * The decision page behind an approver's link: everything the view says, escaped, and one form that posts
 * the link secret in its body. No script and nothing loaded: it works with scripts off and under the strict
 * CSP of `approvalPageHeaders`. Rendering it decides nothing; only the form's POST does.
 */
export function renderApprovalPage(view: ApprovalPageView, nonce: string): string {
  const { destination, approver } = view;
  const body = [
    '<main>',
    `<h1>${view.call === undefined ? 'Approve this transfer?' : 'Approve this contract call?'}</h1>`,
    amountPanel(view),
    '<dl>',
    '<dt>From wallet</dt>',
    walletField(view.wallet),
    '<dt>To</dt>',
    destination.label === undefined
      ? ''
      : `<dd data-field="destination-label">${bdi(destination.label)} <span class="muted">(allowlist)</span></dd>`,
    `<dd data-field="destination">${code(destination.address)}</dd>`,
    view.call === undefined ? '' : `<dt>Contract call</dt>\n${callField(view.call)}`,
    '<dt>Rule asking for approval</dt>',
    `<dd data-field="rule">${code(view.rule.id)}</dd>`,
    '<dt>Requested by</dt>',
    `<dd data-field="requester">${bdi(view.requester)}</dd>`,
    '<dt>Votes</dt>',
    quorumField(view),
    votesField(view.votes),
    '<dt>Expires</dt>',
    `<dd data-field="expires">${timeOf(view.expiresAt)}`,
    `<div class="muted">${code(view.expiresAt.toISOString())}</div></dd>`,
    '</dl>',
    decisionForm(view),
    view.passkey === undefined ? '' : `<script nonce="${escapeHtml(nonce)}">${passkeyAssertionScript()}</script>`,
    '<footer class="muted">',
    `<p>This link is for <span data-field="approver">${bdi(approver.name)} (${bdi(approver.id)})</span> alone:`,
    'do not forward it. Opening it decides nothing; only the buttons do.</p>',
    '</footer>',
    '</main>',
  ];
  return htmlDocument({
    title: `Approval requested: ${view.wallet.name}`,
    nonce,
    body: body.filter((line) => line !== '').join('\n'),
  });
}

/** Text isolated from its neighbours' direction, so a name with bidi controls cannot reorder an address. */
const bdi = (text: string): string => `<bdi>${escapeHtml(text)}</bdi>`;
const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
const integer = (value: number): string => escapeHtml(String(value));

function amountPanel({ asset, amount }: ApprovalPageView): string {
  return [
    '<section class="hero">',
    `<p class="amount" data-field="amount">${bdi(amount.human)} ${bdi(asset.symbol)}</p>`,
    `<p class="muted"><code data-field="amount-base">${escapeHtml(amount.base)}</code>`,
    `base units (${integer(asset.decimals)} decimals)</p>`,
    asset.token === undefined
      ? ''
      : `<p class="muted">Token contract <code data-field="token">${escapeHtml(asset.token)}</code></p>`,
    '</section>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function walletField(wallet: ApprovalPageView['wallet']): string {
  return [
    '<dd data-field="wallet">',
    `<div>${bdi(wallet.name)}</div>`,
    `<div>${code(wallet.address)}</div>`,
    `<div class="muted">${bdi(wallet.chainName)}, chain id ${integer(wallet.chainId)}</div>`,
    '</dd>',
  ].join('');
}

function callField(call: NonNullable<ApprovalPageView['call']>): string {
  if ('raw' in call) {
    return `<dd data-field="call"><div class="muted">Calldata (not decoded)</div><div>${code(call.raw)}</div></dd>`;
  }
  const args = call.args.map((arg) => `<li>${bdi(arg.name)}: ${code(arg.value)}</li>`);
  const list = args.length === 0 ? '<div class="muted">No arguments</div>' : `<ul>${args.join('')}</ul>`;
  return `<dd data-field="call"><div>${code(call.functionName)}</div>${list}</dd>`;
}

function quorumField({ votes, quorum }: ApprovalPageView): string {
  const approvers = new Set(votes.filter((vote) => vote.decision === 'approve').map((vote) => vote.approverId));
  return `<dd data-field="quorum">${integer(approvers.size)} of ${integer(quorum)} approvals so far</dd>`;
}

function votesField(votes: ApprovalPageView['votes']): string {
  if (votes.length === 0) return '<dd data-field="votes">No votes yet</dd>';
  const items = votes.map((vote) => {
    const decided = vote.decision === 'approve' ? 'approved' : 'rejected';
    return `<li>${bdi(vote.approverId)} ${decided}, ${timeOf(vote.at)}</li>`;
  });
  return `<dd data-field="votes"><ul>${items.join('')}</ul></dd>`;
}

function timeOf(moment: Date): string {
  return `<time datetime="${escapeHtml(moment.toISOString())}">${escapeHtml(formatUtc(moment))}</time>`;
}

function decisionForm(view: ApprovalPageView): string {
  return decisionFormHtml({
    action: formAction(view.requestId),
    secret: view.secret,
    textField: { name: 'comment', label: 'Comment (optional)', maxLength: 500 },
    buttons: [
      { decision: 'approve', label: 'Approve' },
      { decision: 'reject', label: 'Reject' },
    ],
    ...(view.passkey === undefined ? {} : { passkey: view.passkey }),
  });
}

/**
 * The request id alone, percent-encoded: from `/v1/approvals/{id}?t=…` it resolves to `/v1/approvals/{id}`
 * without the query, so the secret leaves the page only in the POST body. An empty action would post back
 * to the URL with the secret in it, and `.` or `..` would post elsewhere: those are bugs, not pages.
 */
function formAction(requestId: string): string {
  if (requestId === '' || requestId === '.' || requestId === '..') {
    throw new StrongroomError('INTERNAL.ERROR', 'the approval request id cannot serve as a relative form action');
  }
  try {
    return encodeURIComponent(requestId);
  } catch (cause) {
    throw new StrongroomError('INTERNAL.ERROR', 'the approval request id is not well-formed Unicode', { cause });
  }
}
