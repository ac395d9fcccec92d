import { StrongroomError } from '../../../../../lambdas/domain/errors';
import { approvalPageHeaders } from '../../../../../lambdas/handlers/api/approval-page/approval-page-headers';
import { newNonce } from '../../../../../lambdas/handlers/api/approval-page/page-nonce';
import { renderApprovalPage } from '../../../../../lambdas/handlers/api/approval-page/render-approval-page';
import { sampleApprovalPageView } from './fixtures';
import { tagsNamed } from './html-probe';

describe('approvalPageHeaders', () => {
  it('serves HTML under a CSP that admits only the nonce-carrying style and same-origin form posts', () => {
    const nonce = newNonce();
    expect(approvalPageHeaders(nonce)).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'none'; ` +
        `form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });

  it("names in the CSP the nonce the page's style element carries", () => {
    const nonce = newNonce();
    const csp = approvalPageHeaders(nonce)['content-security-policy']!;
    const html = renderApprovalPage(sampleApprovalPageView(), nonce);
    const [style] = tagsNamed(html, 'style');
    expect(csp).toContain(`style-src 'nonce-${style!.attributes.get('nonce')}'`);
  });

  it.each(['', 'abc', 'not base64 at all!!!!!!!', "AAAAAAAAAAAAAAAAAAAAAA=='; script-src *", 'AAAAAAAAAAAAAAAAAAAAAA'])(
    'refuses the nonce %j, which would not be a CSP nonce of 128 bits',
    (nonce) => {
      expect(() => approvalPageHeaders(nonce)).toThrow(StrongroomError);
    },
  );
});

describe('newNonce', () => {
  it('is 128 random bits in base64, fresh on each call', () => {
    const nonces = Array.from({ length: 50 }, () => newNonce());
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
