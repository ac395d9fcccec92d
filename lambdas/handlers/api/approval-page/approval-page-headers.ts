import { assertNonce } from './page-nonce';

/**
 * The headers of every approval page. The page loads nothing and runs no script: its one style element
 * carries the nonce, its one form posts to its own origin, and no other origin may frame it. The page's URL
 * carries the link secret, so no request it makes may send a Referer, and no cache may keep it.
 */
export function approvalPageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `style-src 'nonce-${assertNonce(nonce)}'`,
      "img-src 'none'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}
