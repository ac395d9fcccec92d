import type { PublicKeyCredentialCreationOptionsJSON } from '../../../adapters/webauthn/webauthn';
import { escapeHtml } from '../approval-page/escape-html';
import { htmlDocument } from '../approval-page/html-document';
import { BASE64URL_SCRIPT } from './base64url-script';
import { jsonForScript } from './json-for-script';

/** What the enrollment page needs: whose passkey, the link's secret (posted back), and the creation options. */
export interface EnrollmentPageView {
  readonly memberName: string;
  readonly secret: string;
  readonly options: PublicKeyCredentialCreationOptionsJSON;
}

/** The id of the data block holding `{ t, publicKey }`. */
export const ENROLLMENT_DATA_ID = 'passkey-enrollment';

/**
 * The page behind an enrollment link: the member's name and one "Create passkey" button. Its one inline
 * script (under the response's nonce; serve with `passkeyPageHeaders`) first takes the secret out of the
 * address bar and history, then on the click calls `navigator.credentials.create`, turns the credential
 * into a RegistrationResponseJSON and POSTs `{ t, response }` as JSON to the page's own path, and shows
 * the answer. Opening the page enrolls nothing.
 */
export function renderEnrollmentPage(view: EnrollmentPageView, nonce: string): string {
  const body = [
    '<main>',
    '<h1>Create your approval passkey</h1>',
    `<p>For <bdi data-field="member">${escapeHtml(view.memberName)}</bdi>. Your passkey signs each transfer or`,
    'change you approve; it stays on your device or in your password manager.</p>',
    `<script type="application/json" id="${ENROLLMENT_DATA_ID}">${jsonForScript({ t: view.secret, publicKey: view.options })}</script>`,
    '<button type="button" id="create-passkey">Create passkey</button>',
    '<p id="passkey-status" role="status" aria-live="polite"></p>',
    '<noscript><p>Creating a passkey needs JavaScript.</p></noscript>',
    `<script nonce="${escapeHtml(nonce)}">${ENROLLMENT_SCRIPT}</script>`,
    '<footer class="muted"><p>This link is for you alone and works once: do not forward it.</p></footer>',
    '</main>',
  ];
  return htmlDocument({ title: 'Create your approval passkey', nonce, body: body.join('\n') });
}

const ENROLLMENT_SCRIPT = `
(() => {
  'use strict';
  ${BASE64URL_SCRIPT}
  const data = JSON.parse(document.getElementById('${ENROLLMENT_DATA_ID}').textContent);
  const path = location.pathname;
  // The secret has been read: keep it out of the address bar, the history and any later screenshot.
  history.replaceState(null, '', path);
  const button = document.getElementById('create-passkey');
  const status = document.getElementById('passkey-status');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Waiting for your passkey…';
    try {
      const options = data.publicKey;
      const credential = await navigator.credentials.create({
        publicKey: {
          ...options,
          challenge: toBytes(options.challenge),
          user: { ...options.user, id: toBytes(options.user.id) },
          excludeCredentials: (options.excludeCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })),
        },
      });
      const response = credential.response;
      const registration = {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
      };
      const answer = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ t: data.t, response: registration }),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
      const result = await answer.json().catch(() => ({}));
      if (answer.ok) {
        status.textContent = 'Your passkey is enrolled. You can close this page.';
        status.dataset.outcome = 'enrolled';
      } else {
        status.textContent = 'The passkey was not enrolled: ' + (result.message || 'error ' + answer.status) + '.';
        status.dataset.outcome = 'refused';
        button.disabled = false;
      }
    } catch (error) {
      status.textContent = 'No passkey was created (' + ((error && error.name) || 'error') + ').';
      status.dataset.outcome = 'failed';
      button.disabled = false;
    }
  });
})();
`;
