import type { ApprovalNoticeView } from './approval-page-view';
import { escapeHtml } from './escape-html';
import { htmlDocument } from './html-document';

/**
 * Every approval page that is not the decision form (decision recorded, wrong link, unknown request,
 * already decided, expired): a title and sentences, no form and no links, so a replayed or forwarded link
 * leads nowhere further. `data-outcome` carries the HTTP status it is served with.
 */
export function renderApprovalNotice(view: ApprovalNoticeView, nonce: string): string {
  const body = [
    `<main data-outcome="${escapeHtml(String(view.status))}">`,
    `<h1>${escapeHtml(view.title)}</h1>`,
    ...view.lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    '</main>',
  ];
  return htmlDocument({ title: view.title, nonce, body: body.join('\n') });
}
