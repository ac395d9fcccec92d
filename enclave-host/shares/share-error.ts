/**
 * Why a key share was refused. Kept in this folder rather than in the domain's error catalogue
 * (lambdas/domain/errors.ts) for the reason `attestation-error.ts` gives: the enclave bundle, the
 * co-signer and the customer's recovery tool import this folder, and none may pull in the Lambda tree.
 * The shape is the catalogue's: a stable `code` (`SHARES.REASON`), an explicit `name`, the input
 * `field` when one is at fault, and a message that never carries a key or a share.
 */
export const SHARE_ERROR_CODES = {
  'SHARES.MALFORMED': 'a share, key or sealed share has the wrong type, length or encoding',
  'SHARES.INVALID_KEY': 'the secret key is not a secp256k1 private key (zero, or not below the group order)',
  'SHARES.DUPLICATE_SHARE': 'the two shares are one share twice (same x coordinate): one share alone rebuilds nothing',
  'SHARES.ADDRESS_MISMATCH': "the shares combine to a key whose address is not the wallet's",
  'SHARES.SPLIT_UNVERIFIED': 'a pair of the new shares does not rebuild the key: the split is discarded',
  'SHARES.CONTEXT_MISMATCH': 'the sealed share is bound to another deployment, wallet, address, epoch or share',
  'SHARES.OPEN_FAILED': 'the sealed share does not open with this private key (another recipient, or altered)',
  'SHARES.BAD_RECOVERY_KEY': 'recoveryPublicKey is not 32 bytes in base64url without padding',
} as const;

export type ShareErrorCode = keyof typeof SHARE_ERROR_CODES;

export class ShareError extends Error {
  override readonly name = 'ShareError';
  /** The input at fault, when there is one (`recoveryPublicKey`, `shareA`, `sealed.enc`, …). */
  readonly field: string | undefined;

  constructor(
    readonly code: ShareErrorCode,
    message: string,
    options: { readonly field?: string; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
  }

  toJSON(): { code: ShareErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export const isShareError = (error: unknown): error is ShareError => error instanceof ShareError;
