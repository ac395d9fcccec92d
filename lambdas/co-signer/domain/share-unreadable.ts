/** Why share 2 did not open. */
export type ShareUnreadableReason =
  /** KMS could not decrypt it: a damaged blob, or an encryption context other than the one it was made under. */
  | 'invalid-ciphertext'
  /** It is under another KMS key than the co-signer's. */
  | 'another-key'
  /** It opened, but not to a 33-byte share. */
  | 'not-a-share';

/**
 * Share 2 as stored does not open to a share under the co-signer's key and the share's own context:
 * not a dependency failing (asking again gives the same answer) but a share that was never the
 * enclave's for this wallet, address and epoch, or was altered since. Final for the job; nothing is
 * released. The message names the reason, never the ciphertext or a plaintext.
 */
export class ShareUnreadableError extends Error {
  override readonly name = 'ShareUnreadableError';
  readonly code = 'COSIGNER.SHARE_UNREADABLE';

  constructor(
    readonly reason: ShareUnreadableReason,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
