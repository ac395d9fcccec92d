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

/**
 * The co-signer's append-only record of releases (DynamoDB later: conditional puts, no update or
 * delete granted). `record` is once per (walletId, proofId): a second record for the same proof keeps
 * the first and says so.
 *
 * The cap reads the log then appends: two different proofs of one wallet released at the same instant
 * could each pass the cap alone. The memory adapter runs one request at a time; a DynamoDB adapter
 * must serialize a wallet's releases (e.g. a per-wallet head item, version-conditioned, in the same
 * transaction as the append) so the check and the append are one.
 */
export interface ReleaseLog {
  record(release: ShareRelease): Promise<'recorded' | 'already-recorded'>;
  find(walletId: string, proofId: Hex): Promise<ShareRelease | undefined>;
  /** The sum, in base units, of the wallet's releases of `asset` at or after `since`. */
  releasedSince(walletId: string, asset: Asset, since: Date): Promise<bigint>;
}
