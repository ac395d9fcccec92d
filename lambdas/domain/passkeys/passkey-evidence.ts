import type { Hex } from 'viem';

/**
 * A passkey's signature over exactly what was decided, as verified when the decision was made: the
 * credential, the WebAuthn assertion (plain JSON) and the digest it signed. What is stored with a
 * transfer approval or a governance decision, and verified again before it counts.
 */
export interface StoredPasskeyEvidence {
  readonly credentialId: string;
  readonly assertion: unknown;
  readonly digest: Hex;
}
