/**
 * A passkey a member enrolled: the WebAuthn credential their approvals are verified against, at the
 * decision and again by Authorize. Only public material: the private key never leaves the authenticator.
 */
export interface PasskeyCredential {
  readonly memberId: string;
  /** The credential id as the authenticator returned it, base64url (what `allowCredentials` and assertions name). */
  readonly credentialId: string;
  /** The COSE_Key bytes of the credential's public key, base64url. */
  readonly publicKey: string;
  /**
   * The highest signature counter seen for this credential (at enrollment, then at each decision). Many
   * passkeys report 0 always; see `verifyApprovalAssertion` for how a counter is judged.
   */
  readonly counter: number;
  /** Hints for the browser (`internal`, `hybrid`, `usb`, …), only ever the values WebAuthn defines. */
  readonly transports?: readonly string[];
  readonly enrolledAt: Date;
}
