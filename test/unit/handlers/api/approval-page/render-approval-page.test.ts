import fc from 'fast-check';
import type { ApprovalPageView } from '../../../../../lambdas/handlers/api/approval-page/approval-page-view';
import { renderApprovalPage } from '../../../../../lambdas/handlers/api/approval-page/render-approval-page';
import { StrongroomError } from '../../../../../lambdas/domain/errors';
import { SAMPLE_DECODED_CALL, SAMPLE_NONCE, SAMPLE_RAW_CALL, SAMPLE_SECRET, sampleApprovalPageView } from './fixtures';
import { fieldText, openingTags, tagsNamed, tokenize } from './html-probe';

const render = (overrides: Partial<ApprovalPageView> = {}): string =>
  renderApprovalPage(sampleApprovalPageView(overrides), SAMPLE_NONCE);

/** The elements and attributes the page may contain: anything else came from a value. */
const PAGE_TAGS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'main', 'h1', 'section', 'p', 'bdi', 'code', 'span', 'dl', 'dt',
  'dd', 'div', 'ul', 'li', 'time', 'form', 'input', 'label', 'textarea', 'button', 'footer',
]); // prettier-ignore

const HOSTILE = `</bdi></code><script>alert(1)</script>"'><img src=x onerror=alert(1)>&amp;`;
const hostile = (field: string): string => `${field}${HOSTILE}`;

/** Every text the view carries, each set to a hostile string naming its field. */
function hostileView(): ApprovalPageView {
  return sampleApprovalPageView({
    requestId: hostile('request'),
    secret: hostile('secret'),
    approver: { id: hostile('approver-id'), name: hostile('approver-name') },
    wallet: {
      id: hostile('wallet-id'),
      name: hostile('wallet-name'),
      address: hostile('wallet-address'),
      chainId: 1,
      chainName: hostile('chain-name'),
    },
    destination: { address: hostile('destination'), label: hostile('label') },
    asset: { symbol: hostile('symbol'), decimals: 6, token: hostile('token') },
    amount: { base: hostile('base'), human: hostile('human') },
    call: { functionName: hostile('function'), args: [{ name: hostile('arg-name'), value: hostile('arg-value') }] },
    rule: { id: hostile('rule') },
    requester: hostile('requester'),
    votes: [{ approverId: hostile('voter'), decision: 'reject', at: new Date('2026-01-14T10:05:00Z') }],
  });
}

describe('renderApprovalPage', () => {
  describe('with hostile strings in every text field', () => {
    const html = renderApprovalPage(hostileView(), SAMPLE_NONCE);

    it('writes no markup of theirs: every "<" opens one of the page\'s own tags, none a script or an image', () => {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      const names = openingTags(html).map((tag) => tag.name);
      expect(names.filter((name) => !PAGE_TAGS.has(name))).toEqual([]);
    });

    it('adds no event handler or other attribute: onerror= appears only inside escaped text or values', () => {
      for (const tag of openingTags(html)) {
        for (const name of tag.attributes.keys()) expect(name).not.toMatch(/^on/);
      }
      const outsideValues = html.replace(/="[^"]*"/g, '=""');
      for (const at of [...outsideValues.matchAll(/onerror=/g)].map((match) => match.index)) {
        expect(outsideValues.slice(at - 'img src=x '.length - 4, at)).toBe('&lt;img src=x ');
      }
    });

    it('shows each value as the text it is, escaped once', () => {
      expect(fieldText(html, 'requester')).toBe(hostile('requester'));
      expect(fieldText(html, 'rule')).toBe(hostile('rule'));
      expect(fieldText(html, 'destination')).toBe(hostile('destination'));
      expect(fieldText(html, 'destination-label')).toBe(`${hostile('label')} (allowlist)`);
      expect(fieldText(html, 'amount')).toBe(`${hostile('human')} ${hostile('symbol')}`);
      expect(fieldText(html, 'amount-base')).toBe(hostile('base'));
      expect(fieldText(html, 'token')).toBe(hostile('token'));
      expect(fieldText(html, 'call')).toBe(`${hostile('function')} ${hostile('arg-name')}: ${hostile('arg-value')}`);
      expect(fieldText(html, 'votes')).toContain(hostile('voter'));
      expect(fieldText(html, 'approver')).toBe(`${hostile('approver-name')} (${hostile('approver-id')})`);
      const wallet = fieldText(html, 'wallet');
      for (const part of ['wallet-name', 'wallet-address', 'chain-name']) expect(wallet).toContain(hostile(part));
      expect(tagsNamed(html, 'input')[0]!.attributes.get('value')).toBe(hostile('secret'));
      expect(tagsNamed(html, 'form')[0]!.attributes.get('action')).toBe(encodeURIComponent(hostile('request')));
    });
  });

  describe('the link secret', () => {
    it('appears exactly once, as the value of the hidden input t', () => {
      const html = render();
      expect(html.split(SAMPLE_SECRET)).toHaveLength(2);
      const carriers = openingTags(html).filter((tag) => [...tag.attributes.values()].includes(SAMPLE_SECRET));
      expect(carriers).toHaveLength(1);
      expect(carriers[0]!.name).toBe('input');
      expect(Object.fromEntries(carriers[0]!.attributes)).toEqual({ type: 'hidden', name: 't', value: SAMPLE_SECRET });
    });

    it('is inside the one form, which posts to the bare request id: no query, no secret in the URL', () => {
      const requestId = 'ar 01/J?x=1#y';
      const html = render({ requestId });
      const forms = tagsNamed(html, 'form');
      expect(forms).toHaveLength(1);
      const form = forms[0]!.attributes;
      expect(form.get('method')).toBe('post');
      expect(form.get('autocomplete')).toBe('off');
      const action = form.get('action')!;
      expect(action).toBe(encodeURIComponent(requestId));
      expect(action).not.toContain('?');
      expect(action).not.toContain(SAMPLE_SECRET);
      const pageUrl = `https://api.example.com/prod/v1/approvals/${action}?t=${SAMPLE_SECRET}`;
      expect(new URL(action, pageUrl).href).toBe(`https://api.example.com/prod/v1/approvals/${action}`);
      const tokens = tokenize(html);
      const formStart = tokens.findIndex((token) => token.kind === 'tag' && token.name === 'form');
      const formEnd = tokens.findIndex((token) => token.kind === 'tag' && token.name === 'form' && token.closing);
      const hidden = tokens.findIndex((token) => token.kind === 'tag' && token.name === 'input');
      expect(hidden).toBeGreaterThan(formStart);
      expect(hidden).toBeLessThan(formEnd);
    });

    it.each(['', '.', '..'])(
      'refuses the request id %j, which would post to the secret URL or elsewhere',
      (requestId) => {
        expect(() => render({ requestId })).toThrow(StrongroomError);
      },
    );

    it('refuses a request id that is not well-formed Unicode rather than throwing a bare URIError', () => {
      expect(() => render({ requestId: 'ar-\uD800' })).toThrow(StrongroomError);
    });
  });

  it('decides with two submit buttons named decision and a comment of at most 500 characters', () => {
    const html = render();
    expect(html).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(html).toContain('<button type="submit" name="decision" value="reject">Reject</button>');
    expect(tagsNamed(html, 'button')).toHaveLength(2);
    const [textarea] = tagsNamed(html, 'textarea');
    expect(textarea!.attributes.get('name')).toBe('comment');
    expect(textarea!.attributes.get('maxlength')).toBe('500');
    expect(textarea!.attributes.has('required')).toBe(false);
    expect(tagsNamed(html, 'input')).toHaveLength(1);
  });

  it('loads nothing and runs nothing: no script, no src or href, no url(), no inline style attribute', () => {
    const html = render({ call: SAMPLE_DECODED_CALL });
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(/i);
    for (const tag of openingTags(html)) {
      for (const name of tag.attributes.keys())
        expect(['src', 'href', 'style', 'srcset', 'formaction']).not.toContain(name);
    }
    const styles = tagsNamed(html, 'style');
    expect(styles).toHaveLength(1);
    expect(styles[0]!.attributes.get('nonce')).toBe(SAMPLE_NONCE);
  });

  it('is a complete HTML5 document for a phone: doctype, lang, utf-8, viewport, no referrer', () => {
    const html = render();
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    const metas = tagsNamed(html, 'meta').map((tag) => Object.fromEntries(tag.attributes));
    expect(metas).toContainEqual({ charset: 'utf-8' });
    expect(metas).toContainEqual({ name: 'viewport', content: 'width=device-width, initial-scale=1' });
    expect(metas).toContainEqual({ name: 'referrer', content: 'no-referrer' });
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('shows each field under its hook', () => {
    const html = render();
    expect(fieldText(html, 'amount')).toBe('1.5 ETH');
    expect(fieldText(html, 'amount-base')).toBe('1500000000000000000');
    expect(fieldText(html, 'destination')).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    expect(fieldText(html, 'destination-label')).toBe('Exchange deposit (allowlist)');
    expect(fieldText(html, 'wallet')).toBe(
      'Treasury hot wallet 0x5FbDB2315678afecb367f032d93F642f64180aa3 Anvil, chain id 31337',
    );
    expect(fieldText(html, 'rule')).toBe('large-transfer');
    expect(fieldText(html, 'requester')).toBe('op-alice');
    expect(fieldText(html, 'expires')).toBe('Thu 15 Jan 2026, 10:00 UTC 2026-01-15T10:00:00.000Z');
    expect(fieldText(html, 'votes')).toBe('m-carol approved, Wed 14 Jan 2026, 10:05 UTC');
    expect(fieldText(html, 'quorum')).toBe('1 of 2 approvals so far');
    expect(fieldText(html, 'approver')).toBe('Bob Approver (m-bob)');
    const times = tagsNamed(html, 'time').map((tag) => tag.attributes.get('datetime'));
    expect(times).toEqual(['2026-01-14T10:05:00.000Z', '2026-01-15T10:00:00.000Z']);
  });

  it('shows amounts in human and base units, with the token contract for a token', () => {
    const html = render({
      asset: { symbol: 'USDC', decimals: 6, token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' },
      amount: { base: '250000000', human: '250' },
    });
    expect(fieldText(html, 'amount')).toBe('250 USDC');
    expect(fieldText(html, 'amount-base')).toBe('250000000');
    expect(html).toContain('base units (6 decimals)');
    expect(fieldText(html, 'token')).toBe('0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48');
    expect(fieldText(render(), 'token')).toBeUndefined();
  });

  it('shows the allowlist label only when the destination has one', () => {
    const html = render({ destination: { address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } });
    expect(fieldText(html, 'destination-label')).toBeUndefined();
    expect(html).not.toContain('allowlist');
    expect(fieldText(html, 'destination')).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  });

  it('shows a decoded call as its function and arguments, raw calldata as hex, and no call for a transfer', () => {
    const decoded = render({ call: SAMPLE_DECODED_CALL });
    expect(fieldText(decoded, 'call')).toBe(
      'transfer to: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC amount: 250000000',
    );
    expect(tagsNamed(decoded, 'h1').length).toBe(1);
    expect(decoded).toContain('<h1>Approve this contract call?</h1>');
    expect(fieldText(render({ call: { functionName: 'pause', args: [] } }), 'call')).toBe('pause No arguments');
    expect(fieldText(render({ call: SAMPLE_RAW_CALL }), 'call')).toBe(`Calldata (not decoded) ${SAMPLE_RAW_CALL.raw}`);
    const transfer = render();
    expect(fieldText(transfer, 'call')).toBeUndefined();
    expect(transfer).toContain('<h1>Approve this transfer?</h1>');
  });

  it('counts distinct approvers toward the quorum and lists every vote, rejections included', () => {
    const at = new Date('2026-01-14T11:00:00Z');
    const html = render({
      quorum: 3,
      votes: [
        { approverId: 'm-carol', decision: 'approve', at },
        { approverId: 'm-carol', decision: 'approve', at },
        { approverId: 'm-dave', decision: 'reject', at },
        { approverId: 'm-erin', decision: 'approve', at },
      ],
    });
    expect(fieldText(html, 'quorum')).toBe('2 of 3 approvals so far');
    expect(fieldText(html, 'votes')).toContain('m-dave rejected, Wed 14 Jan 2026, 11:00 UTC');
    expect(tagsNamed(html, 'li')).toHaveLength(4);
    expect(fieldText(render({ votes: [] }), 'votes')).toBe('No votes yet');
    expect(fieldText(render({ votes: [] }), 'quorum')).toBe('0 of 2 approvals so far');
  });

  it('refuses a nonce that is not base64 instead of writing it into the page', () => {
    expect(() => renderApprovalPage(sampleApprovalPageView(), `${SAMPLE_NONCE}" onload="x`)).toThrow(StrongroomError);
    expect(() => renderApprovalPage(sampleApprovalPageView(), '')).toThrow(StrongroomError);
  });

  it('never lets a "<" of any field into the markup, whatever the strings (property)', () => {
    const neutral = render({ call: SAMPLE_DECODED_CALL, asset: { symbol: 'USDC', decimals: 6, token: '0xT' } });
    const count = (html: string, character: string) => html.split(character).length - 1;
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', '/', '=', ' ', 'a', 'script', '&lt;', '\u202e') }),
    );
    const requestId = text.filter((id) => id !== '' && id !== '.' && id !== '..');
    fc.assert(
      fc.property(
        fc.record({ requestId, secret: text, label: text, human: text, symbol: text, argName: text, argValue: text }),
        fc.record({ requester: text, rule: text, walletName: text, chainName: text, voter: text, approver: text }),
        (a, b) => {
          const html = render({
            requestId: a.requestId,
            secret: a.secret,
            destination: { address: a.label, label: a.label },
            asset: { symbol: a.symbol, decimals: 6, token: a.symbol },
            amount: { base: a.human, human: a.human },
            call: {
              functionName: a.argName,
              args: [
                { name: a.argName, value: a.argValue },
                { name: 'x', value: 'y' },
              ],
            },
            requester: b.requester,
            rule: { id: b.rule },
            wallet: { id: 'w', name: b.walletName, address: b.walletName, chainId: 1, chainName: b.chainName },
            votes: [{ approverId: b.voter, decision: 'approve', at: new Date('2026-01-14T10:05:00Z') }],
            approver: { id: b.approver, name: b.approver },
          });
          expect(count(html, '<')).toBe(count(neutral, '<'));
          expect(count(html, '>')).toBe(count(neutral, '>'));
          expect(fieldText(html, 'requester')).toBe(b.requester.replace(/\s+/g, ' ').trim());
        },
      ),
    );
  });
});
