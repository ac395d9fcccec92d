import type { Hex } from 'viem';
import type { Address } from '../address';
import type { Asset } from '../asset';
import { LedgerInvariantError } from '../errors';

/** A deposit credited as seen (pendingIn) and waiting for its confirmations. */
export interface PendingDeposit {
  readonly depositId: string;
  readonly walletId: string;
  readonly asset: Asset;
  readonly amount: bigint;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly to: Address;
}

/** A scanned block as it was when scanned, to notice when it is replaced. */
export interface ScannedBlock {
  readonly number: bigint;
  readonly hash: Hex;
}

/**
 * Where a chain's deposit scanner stands, stored whole as its cursor's position: the next block to
 * scan, the hashes of the last blocks scanned (to find a reorg's fork point), and the deposits seen
 * but not yet confirmed. Moving the cursor is one conditional append, so two scanners cannot both
 * move it, and a crash between postings and the move only makes the next scan repeat idempotent postings.
 */
export interface DepositScanState {
  readonly nextBlock: bigint;
  readonly recentBlocks: readonly ScannedBlock[];
  readonly pending: readonly PendingDeposit[];
}

export const initialScanState = (startBlock: bigint): DepositScanState => ({
  nextBlock: startBlock,
  recentBlocks: [],
  pending: [],
});

export function encodeScanState(state: DepositScanState): string {
  return JSON.stringify(state, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

export function decodeScanState(position: string): DepositScanState {
  try {
    return JSON.parse(position, (_key, value: unknown) =>
      typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
    ) as DepositScanState;
  } catch (cause) {
    throw new LedgerInvariantError('LEDGER.INVALID_POSTING', 'the deposit scanner cursor does not decode', { cause });
  }
}
