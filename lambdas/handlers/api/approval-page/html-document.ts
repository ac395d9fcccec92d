import { escapeHtml } from './escape-html';
import { assertNonce } from './page-nonce';

// One column, system fonts, 3rem touch targets; no inline style attributes (the CSP admits only the
// nonce'd element) and no url() anywhere (the CSP loads nothing).
const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --line: #d0d7de;
  --panel: #f6f8fa; --approve: #1a7f37; --reject: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --panel: #161b22; --approve: #2ea043; --reject: #da3633; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem 1rem 2.5rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
p { margin: 0.5rem 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em;
  overflow-wrap: anywhere; word-break: break-all; }
.hero { background: var(--panel); border: 1px solid var(--line); border-radius: 0.75rem; padding: 1rem; }
.amount { font-size: 1.6rem; font-weight: 700; margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.92rem; }
dl { margin: 0; }
dt { color: var(--muted); font-size: 0.85rem; margin-top: 0.9rem; }
dd { margin: 0.15rem 0 0; overflow-wrap: anywhere; }
ul { margin: 0.25rem 0 0; padding-left: 1.2rem; }
li { margin: 0.25rem 0; overflow-wrap: anywhere; }
form { margin-top: 1.75rem; border-top: 1px solid var(--line); padding-top: 1rem; }
label { display: block; font-weight: 600; margin-bottom: 0.4rem; }
textarea { display: block; width: 100%; min-height: 5.5rem; padding: 0.6rem; font: inherit; color: inherit;
  background: var(--bg); border: 1px solid var(--line); border-radius: 0.5rem; resize: vertical; }
button { display: block; width: 100%; min-height: 3rem; margin-top: 0.9rem; padding: 0.75rem 1rem;
  font: inherit; font-size: 1.1rem; font-weight: 700; border-radius: 0.6rem; cursor: pointer; }
button[value="approve"] { background: var(--approve); border: 2px solid var(--approve); color: #ffffff; }
button[value="reject"] { background: transparent; border: 2px solid var(--reject); color: var(--reject); }
footer { margin-top: 1.75rem; }
main[data-outcome] h1 { font-size: 1.5rem; }
`;

/**
 * A complete HTML5 document around `body`: viewport for phones, no referrer, no indexing, and the one style
 * element, which carries the response's nonce. `title` is text; `body` is markup the caller escaped.
 */
export function htmlDocument(page: { readonly title: string; readonly nonce: string; readonly body: string }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style nonce="${escapeHtml(assertNonce(page.nonce))}">${STYLE}</style>`,
    '</head>',
    '<body>',
    page.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
