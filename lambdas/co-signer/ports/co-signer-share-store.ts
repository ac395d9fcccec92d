import type { CoSignerShare } from '../../../enclave-host/contract';

/** A registered share 2, as the co-signer keeps it: still under its KMS key; `retired` once its epoch is refused. */
export interface CoSignerShareRecord {
  readonly share: CoSignerShare;
  readonly registeredAt: Date;
  readonly retired?: { readonly at: Date; readonly reason: string };
}

export type RegisterOutcome =
  /** Stored. */
  | 'registered'
  /** The same share was registered for this wallet and epoch already: nothing changed (a retried registration). */
  | 'already-registered'
  /** Another share is registered for this wallet and epoch: refused, the stored one stays. */
  | 'conflict';

export type RetireOutcome = 'retired' | 'already-retired' | 'unknown';

/**
 * The co-signer's shares (DynamoDB: its own `coSigner` table, adapters/dynamo-co-signer-share-store.ts):
 * one per (walletId, epoch), written with a condition so it is never replaced; retiring is one-way.
 */
export interface CoSignerShareStore {
  register(share: CoSignerShare, at: Date): Promise<RegisterOutcome>;
  /** The wallet's share of its highest registered epoch (retired or not), or undefined. */
  current(walletId: string): Promise<CoSignerShareRecord | undefined>;
  /** After a key revocation or rotation: the epoch is refused from then on (the first reason stays). */
  retire(walletId: string, epoch: string, reason: string, at: Date): Promise<RetireOutcome>;
}
