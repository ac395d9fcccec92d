import { escapeHtml } from '../approval-page/escape-html';
import { BASE64URL_SCRIPT } from './base64url-script';

/** On a submit button (or the form, for all its buttons): the base64url challenge that button's decision signs. */
export const PASSKEY_CHALLENGE_ATTRIBUTE = 'data-passkey-challenge';
/** On the form: JSON `[{ "id": credentialId, "transports"?: [...] }]`, the member's passkeys. */
export const PASSKEY_CREDENTIALS_ATTRIBUTE = 'data-passkey-credentials';
/** On the form: the relying party id (`relyingPartyOf(publicBaseUrl).rpId`). */
export const PASSKEY_RP_ID_ATTRIBUTE = 'data-passkey-rp-id';
/** The form field that carries the AuthenticationResponseJSON, as JSON text. */
export const PASSKEY_ASSERTION_FIELD = 'assertion';
/** An element inside the form where the script says what went wrong. */
export const PASSKEY_STATUS_ATTRIBUTE = 'data-passkey-status';

/** The form's attributes, escaped, for a renderer to put in its `<form …>` tag. */
export function passkeyFormAttributes(input: {
  readonly rpId: string;
  readonly credentials: readonly { readonly credentialId: string; readonly transports?: readonly string[] }[];
}): string {
  const credentials = input.credentials.map((c) => ({
    id: c.credentialId,
    ...(c.transports ? { transports: c.transports } : {}),
  }));
  return `${PASSKEY_RP_ID_ATTRIBUTE}="${escapeHtml(input.rpId)}" ${PASSKEY_CREDENTIALS_ATTRIBUTE}="${escapeHtml(JSON.stringify(credentials))}"`;
}

/** A submit button's attribute, escaped: the challenge of the decision it submits. */
export const passkeyChallengeAttribute = (challenge: string): string =>
  `${PASSKEY_CHALLENGE_ATTRIBUTE}="${escapeHtml(challenge)}"`;

/**
 * The inline script (to place under the page's CSP nonce) that makes every decision on a form with
 * `data-passkey-credentials` a passkey signature: when a submit button with a challenge (its own
 * `data-passkey-challenge`, else the form's) is pressed, it holds the submission, asks the member's
 * passkey to sign that challenge with user verification (`navigator.credentials.get`), puts the
 * AuthenticationResponseJSON in the hidden `assertion` field and submits the form with the same button.
 * A button without a challenge submits as it is. If the passkey says no, nothing is submitted.
 */
export function passkeyAssertionScript(): string {
  return `
(() => {
  'use strict';
  ${BASE64URL_SCRIPT}
  for (const form of document.querySelectorAll('form[${PASSKEY_CREDENTIALS_ATTRIBUTE}]')) {
    let signed = false;
    form.addEventListener('submit', async (event) => {
      const button = event.submitter;
      const challenge =
        (button && button.getAttribute('${PASSKEY_CHALLENGE_ATTRIBUTE}')) || form.getAttribute('${PASSKEY_CHALLENGE_ATTRIBUTE}');
      if (signed || !challenge) return;
      event.preventDefault();
      const buttons = form.querySelectorAll('button');
      const status = form.querySelector('[${PASSKEY_STATUS_ATTRIBUTE}]');
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const allowed = JSON.parse(form.getAttribute('${PASSKEY_CREDENTIALS_ATTRIBUTE}'));
        const credential = await navigator.credentials.get({
          publicKey: {
            challenge: toBytes(challenge),
            allowCredentials: allowed.map((c) => ({ type: 'public-key', id: toBytes(c.id), transports: c.transports })),
            userVerification: 'required',
            rpId: form.getAttribute('${PASSKEY_RP_ID_ATTRIBUTE}'),
            timeout: 120000,
          },
        });
        const response = credential.response;
        let field = form.elements.namedItem('${PASSKEY_ASSERTION_FIELD}');
        if (!field) {
          field = document.createElement('input');
          field.type = 'hidden';
          field.name = '${PASSKEY_ASSERTION_FIELD}';
          form.append(field);
        }
        field.value = JSON.stringify({
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toBase64url(response.clientDataJSON),
            authenticatorData: toBase64url(response.authenticatorData),
            signature: toBase64url(response.signature),
            userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment || undefined,
        });
        signed = true;
        buttons.forEach((b) => { b.disabled = false; });
        form.requestSubmit(button);
      } catch (error) {
        buttons.forEach((b) => { b.disabled = false; });
        if (status) status.textContent = 'Your passkey did not sign (' + ((error && error.name) || 'error') + '): nothing was sent.';
      }
    });
  }
})();
`;
}
