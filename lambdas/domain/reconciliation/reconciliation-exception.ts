import { keccak256, toHex, type Hex } from 'viem';
import type { Address } from '../address';
import type { Asset } from '../asset';

/**
 * The chain evidence of funds that left a custody address without a transfer of ours: where it was
 * seen (chain, block number and hash, transaction, log index) and what moved (asset, amount, from, to).
 */
export interface OutflowEvidence {
  readonly chainId: number;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly txHash: Hex;
  /** The Transfer log's index for a token outflow; undefined for a transaction's native value and fee. */
  readonly logIndex?: number;
  readonly asset: Asset;
  /** Base units that left: tokens, or native value plus the transaction's fee. */
  readonly amount: bigint;
  readonly from: Address;
  readonly to?: Address;
  /** Who sent the transaction, and its nonce (a spender for `transferFrom`, the custody address otherwise). */
  readonly txFrom: Address;
  readonly txNonce: number;
}

/** How an unexplained outflow went into the books. */
export type OutflowBooking =
  | { readonly booked: true; readonly postingId: string }
  /** The ledger could not cover it (it missed more than this outflow): for a human, with the reason. */
  | { readonly booked: false; readonly reason: string };

/** What the ledger held for a wallet account when it was compared with the chain. */
export interface LedgerFigures {
  readonly settled: bigint;
  readonly reserved: bigint;
  readonly pendingOut: bigint;
  readonly pendingIn: bigint;
}

/** The chain balances a ledger account may match at one block (see `expectedChainBalance`). */
export interface ExpectedRange {
  readonly min: bigint;
  readonly max: bigint;
}

interface ExceptionBase {
  readonly id: string;
  readonly walletId: string;
  readonly chainId: number;
  readonly asset: Asset;
  readonly detectedAt: Date;
}

/** Funds left a custody address and no transfer of ours explains them. */
export interface UnexplainedOutflowException extends ExceptionBase {
  readonly kind: 'UNEXPLAINED_OUTFLOW';
  readonly evidence: OutflowEvidence;
  readonly booking: OutflowBooking;
}

/** The ledger and the chain disagree about a wallet's balance of an asset at one block. */
export interface BalanceMismatchException extends ExceptionBase {
  readonly kind: 'BALANCE_MISMATCH';
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly chainBalance: bigint;
  readonly ledger: LedgerFigures;
  readonly expected: ExpectedRange;
  /** chainBalance − (settled + pendingIn): what the chain holds beyond (or short of) the books. */
  readonly difference: bigint;
}

/** An entry of the reconciliation exception queue. */
export type ReconciliationException = UnexplainedOutflowException | BalanceMismatchException;

export type ReconciliationExceptionKind = ReconciliationException['kind'];

/** An admin's closing of an exception: appended once, never changed. */
export interface ExceptionResolution {
  readonly exceptionId: string;
  readonly resolvedBy: string;
  readonly reason: string;
  readonly at: Date;
}

export const EXCEPTION_STATUSES = ['open', 'resolved'] as const;

export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

const hashed = (prefix: string, key: string): string => `${prefix}-${keccak256(toHex(key)).slice(2, 42)}`;

/**
 * The id of an outflow: chain, transaction and log index (or `native` for a transaction's value and
 * fee), without the block hash, so the same transaction re-mined in another block after a reorg is
 * the same outflow and is never booked twice. Also the id of its exception.
 */
export function outflowIdOf(
  chainId: number,
  seen: { readonly txHash: string; readonly logIndex?: number | undefined },
): string {
  return hashed('out', `${chainId}|${seen.txHash.toLowerCase()}|${seen.logIndex ?? 'native'}`);
}

/**
 * The id of a balance mismatch: the account and the difference, not the block. A discrepancy that
 * persists run after run (while the wallet keeps moving funds) is one exception, not one per run; a
 * new difference (another loss, or the books catching up part of it) is a new exception.
 */
export function mismatchIdOf(chainId: number, walletId: string, asset: Asset, difference: bigint): string {
  return hashed('mis', `${chainId}|${walletId}|${asset.toLowerCase()}|${difference}`);
}
