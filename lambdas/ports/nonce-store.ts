/** A nonce handed to one transfer for (chainId, address). */
export interface NonceReservation {
  readonly chainId: number;
  readonly address: string;
  readonly nonce: number;
  readonly transferId: string;
  readonly at: Date;
}

/**
 * Nonces per (chainId, address), each reserved once by a conditional put. The next nonce is one
 * past the highest reserved, or the chain's pending nonce when the chain is ahead; it never moves
 * backwards by itself (a nonce left unused is filled, not reissued).
 */
export interface NonceStore {
  reserve(request: {
    chainId: number;
    address: string;
    transferId: string;
    chainPendingNonce: number;
    at: Date;
  }): Promise<NonceReservation>;
  /** The reservation of a nonce, if any. */
  get(chainId: number, address: string, nonce: number): Promise<NonceReservation | undefined>;
  /** The highest reservation, if any. */
  latest(chainId: number, address: string): Promise<NonceReservation | undefined>;
}
