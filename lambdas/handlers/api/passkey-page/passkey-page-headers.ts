import { approvalPageHeaders } from '../approval-page/approval-page-headers';
import { assertNonce } from '../approval-page/page-nonce';

/**
 * The headers of a page that runs a passkey script: those of the approval pages, plus the one nonce'd
 * inline script (WebAuthn needs script; nothing is loaded from anywhere) and requests to our own origin
 * only (the enrollment page POSTs its result with fetch). An approval page that carries
 * `passkeyAssertionScript` is served with these too.
 */
export function passkeyPageHeaders(nonce: string): Record<string, string> {
  const headers = approvalPageHeaders(nonce);
  const csp = `${headers['content-security-policy']}; script-src 'nonce-${assertNonce(nonce)}'; connect-src 'self'`;
  return { ...headers, 'content-security-policy': csp };
}
