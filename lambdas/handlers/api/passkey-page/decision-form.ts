import { escapeHtml } from '../approval-page/escape-html';
import {
  PASSKEY_ASSERTION_FIELD,
  PASSKEY_STATUS_ATTRIBUTE,
  passkeyChallengeAttribute,
  passkeyFormAttributes,
} from './passkey-assertion-script';

/**
 * The decision form of a link's page (an approval request, a governance change): one form that posts
 * the link's secret in its body to `action` (relative, so the secret never travels in a URL), a
 * free-text field, and one submit button per decision. With passkeys, each button carries the
 * challenge its decision signs and the page's script fills the hidden assertion field.
 */
export function decisionFormHtml(input: {
  /** Relative to the page, without the query. */
  readonly action: string;
  readonly secret: string;
  readonly textField: { readonly name: string; readonly label: string; readonly maxLength: number };
  readonly buttons: readonly { readonly decision: string; readonly label: string }[];
  readonly passkey?: {
    readonly rpId: string;
    readonly credentials: readonly { readonly credentialId: string; readonly transports?: readonly string[] }[];
    readonly challenges: Readonly<Record<string, string>>;
  };
  /** A sentence under the buttons (escaped HTML is the caller's), e.g. why a decision is missing. */
  readonly note?: string;
}): string {
  const { passkey, textField } = input;
  const signs = (decision: string): string => {
    const challenge = passkey?.challenges[decision];
    return challenge === undefined ? '' : ` ${passkeyChallengeAttribute(challenge)}`;
  };
  return [
    // rel=noreferrer as well as the Referrer-Policy header: the page's own URL holds the secret.
    `<form method="post" action="${escapeHtml(input.action)}" autocomplete="off" rel="noreferrer"${
      passkey === undefined ? '' : ` ${passkeyFormAttributes(passkey)}`
    }>`,
    `<input type="hidden" name="t" value="${escapeHtml(input.secret)}">`,
    passkey === undefined ? '' : `<input type="hidden" name="${PASSKEY_ASSERTION_FIELD}" value="">`,
    `<label for="${escapeHtml(textField.name)}">${escapeHtml(textField.label)}</label>`,
    `<textarea id="${escapeHtml(textField.name)}" name="${escapeHtml(textField.name)}" maxlength="${textField.maxLength}" rows="3"></textarea>`,
    ...input.buttons.map(
      (b) =>
        `<button type="submit" name="decision" value="${escapeHtml(b.decision)}"${signs(b.decision)}>${escapeHtml(b.label)}</button>`,
    ),
    input.note ?? '',
    passkey === undefined
      ? ''
      : `<p class="muted" ${PASSKEY_STATUS_ATTRIBUTE} role="status">Your passkey signs the decision you choose.</p>`,
    '</form>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
