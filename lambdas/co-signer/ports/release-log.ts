import type { Hex } from 'viem';
import type { Asset } from '../../domain/asset';

/** One release of share 2: for one proof of one wallet, what it exposed, to which attested session key. Nothing secret. */
export interface ShareRelease {
  readonly walletId: string;
  /** hashAuthorization of the proof: a transfer's proof is counted once however often its job is redelivered. */
  readonly proofId: Hex;
  readonly jobId: string;
  readonly transferId: string;
  readonly epoch: string;
  readonly asset: Asset;
  /** Base units. */
  readonly amount: bigint;
  /** sha256 of the session's X25519 public key share 2 was encrypted to. */
  readonly recipientKeyDigest: Hex;
  readonly at: Date;
}

/** The cap held no room for the release: nothing was recorded. `releasedInWindow` is what the window held then. */
export interface CapExceeded {
  readonly kind: 'cap-exceeded';
  readonly releasedInWindow: bigint;
}

export type RecordOutcome =
  /** Appended, and within the cap when appended. */
  | 'recorded'
  /** The proof was recorded before: the first record stays, not checked against the cap again (it was counted). */
  | 'already-recorded'
  | CapExceeded;

/**
 * The co-signer's append-only record of releases (DynamoDB: conditional puts, no update or delete
 * granted), once per (walletId, proofId).
 *
 * `recordWithinCap` is the cap's check and the append as one step: a release is appended only if the
 * wallet's releases of its asset at or after `windowStart`, plus its amount, stay within `cap`, and no
 * other release of the wallet can commit between that sum and the append. A read-then-append would let
 * two proofs of one wallet, released at the same instant, each pass the cap alone and overshoot it
 * together. There is no way to append without a cap.
 */
export interface ReleaseLog {
  recordWithinCap(release: ShareRelease, cap: bigint, windowStart: Date): Promise<RecordOutcome>;
  find(walletId: string, proofId: Hex): Promise<ShareRelease | undefined>;
  /** The sum, in base units, of the wallet's releases of `asset` at or after `since`. */
  releasedSince(walletId: string, asset: Asset, since: Date): Promise<bigint>;
}
