import type { CoSignerRefusalCode } from '../../../enclave-host/contract';

/** Refusals of a share registration: the release's where they mean the same, two of its own. */
export type CoSignerRegistrationRefusalCode =
  | 'COSIGNER.BAD_REQUEST'
  | 'COSIGNER.ATTESTATION_INVALID'
  | 'COSIGNER.EPOCH_RETIRED'
  /** The share was made for another deployment than the co-signer's. */
  | 'COSIGNER.WRONG_DEPLOYMENT'
  /** Another share is registered for this wallet and epoch: one share per (wallet, epoch), never replaced. */
  | 'COSIGNER.SHARE_CONFLICT';

/**
 * A rule of the co-signer refused: thrown inside its use cases and returned as a value at their edge
 * (`{ ok: false, code, message }`), so a caller branches on the code and nothing else escapes as one.
 * The message names the rule or the field, never a share, key or plaintext.
 */
export class CoSignerRefusal extends Error {
  override readonly name = 'CoSignerRefusal';

  constructor(
    readonly code: CoSignerRefusalCode | CoSignerRegistrationRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws the refusal; a function declaration, so the compiler knows nothing runs after it. */
export function refuse(code: CoSignerRefusal['code'], message: string): never {
  throw new CoSignerRefusal(code, message);
}
