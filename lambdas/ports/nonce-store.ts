/** A nonce handed to one transfer for (chainId, address). */
export interface NonceReservation {
  readonly chainId: number;
  readonly address: string;
  readonly nonce: number;
  readonly transferId: string;
  readonly at: Date;
}

/** What a transfer asks a nonce for. */
export interface NonceReservationRequest {
  readonly chainId: number;
  readonly address: string;
  readonly transferId: string;
  /** The chain's pending nonce of the address: the next nonce is never below it. */
  readonly chainPendingNonce: number;
  readonly at: Date;
}

/** A reservation planned as writes of the caller's own transaction: committed with them, or not at all. */
export interface PlannedNonceReservation {
  /** What the transfer holds once `items` committed. */
  readonly reservation: NonceReservation;
  /** The store's own items, opaque to the caller (the event store commits them with a step's events). */
  readonly items: readonly unknown[];
}

/**
 * Nonces per (chainId, address), each reserved once by a conditional put. The next nonce is one
 * past the highest reserved, or the chain's pending nonce when the chain is ahead; it never moves
 * backwards by itself (a nonce left unused is filled, not reissued).
 *
 * The DynamoDB store can also plan a reservation as items of the caller's own transaction, so that a
 * workflow step commits its nonce with its event (`DynamoNonceStore.planReservation`); `reserve` is
 * the checked path that plan falls back on.
 */
export interface NonceStore {
  /** The nonce the transfer already holds for the address, or else the next one, reserved for it. */
  reserve(request: NonceReservationRequest): Promise<NonceReservation>;
  /**
   * The next nonce, planned as items of the caller's transaction (one read, no write). When that
   * transaction fails on them, `reserve` is the way on. A store that cannot plan leaves this out.
   */
  planReservation?(request: NonceReservationRequest): Promise<PlannedNonceReservation>;
  /** The reservation of a nonce, if any. */
  get(chainId: number, address: string, nonce: number): Promise<NonceReservation | undefined>;
  /** The highest reservation, if any. */
  latest(chainId: number, address: string): Promise<NonceReservation | undefined>;
}
