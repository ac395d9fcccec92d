import type { Hex } from 'viem';
import type { Address } from '../domain/address';
import type { Asset } from '../domain/asset';
import type { ChainConfig } from '../domain/chain/chain-config';
import type { NetworkFees } from '../domain/chain/new-transaction-fees';
import type { MinedAt, NonceObservation } from '../domain/chain/nonce-observation';
import type { EvmCall } from '../domain/intents';

/** How the node took a broadcast. Each is a success: the node knows our hash, or it is mined. */
export type BroadcastState = 'ACCEPTED' | 'PENDING' | 'MINED';

export interface BroadcastResult {
  readonly txHash: Hex;
  readonly from: Address;
  readonly nonce: number;
  readonly state: BroadcastState;
}

/** A transfer of value into a custody address, as found in a block. */
export interface IncomingTransfer {
  readonly kind: 'native' | 'erc20';
  /** The token contract for ERC-20, undefined for native value. */
  readonly token?: Address;
  readonly from: Address;
  readonly to: Address;
  readonly amount: bigint;
  readonly txHash: Hex;
  /** The log's index in its block for ERC-20; undefined for native value. */
  readonly logIndex?: number;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
}

/**
 * Value that left a custody address, as found in a block: an ERC-20 Transfer log from it (whoever sent
 * the transaction: a spender's `transferFrom` too), or a transaction it sent (its native value when the
 * call succeeded, plus the fee it paid in any case). `txFrom`/`txNonce` name the transaction, so the
 * caller can ask whether it is one of ours.
 */
export interface OutgoingTransfer {
  readonly kind: 'native' | 'erc20';
  /** The token contract for ERC-20, undefined for native value. */
  readonly token?: Address;
  /** The custody address the value left. */
  readonly from: Address;
  /** The recipient; undefined for a contract creation. */
  readonly to?: Address;
  /** Tokens moved (ERC-20), or the native value moved (0 when the call reverted). */
  readonly amount: bigint;
  /** Native only: gas used × effective gas price, paid whether or not the call succeeded. */
  readonly fee: bigint;
  readonly txHash: Hex;
  readonly txFrom: Address;
  readonly txNonce: number;
  /** The log's index in its block for ERC-20; undefined for a transaction's native value and fee. */
  readonly logIndex?: number;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
}

/** A block's identity, to notice when it has been replaced. */
export interface BlockRef {
  readonly number: bigint;
  readonly hash: Hex;
  readonly parentHash: Hex;
}

/**
 * One EVM chain, as the custody flow needs it. Every method either answers from the chain or throws:
 * `DependencyUnavailableError` (CHAIN.UNAVAILABLE) when the node cannot be reached, never a guess.
 */
export interface ChainGateway {
  readonly config: ChainConfig;
  /** The next nonce the node would give `address`, pending transactions included. */
  pendingNonce(address: Address): Promise<number>;
  /** The nonce after the last mined transaction of `address`. */
  minedNonce(address: Address): Promise<number>;
  /** The gas a call needs, with the configured margin, or CHAIN.GAS_ESTIMATE_FAILED above `ceiling`. */
  estimateGasLimit(from: Address, call: EvmCall, ceiling: bigint): Promise<bigint>;
  /** The latest base fee and the node's suggested priority fee (caps are applied by the domain). */
  networkFees(): Promise<NetworkFees>;
  /** Sends a signed transaction; success is decided by our hash being known to the node or mined. */
  broadcast(serializedTransaction: Hex): Promise<BroadcastResult>;
  /** What became of our attempts at (from, nonce). */
  observe(request: {
    readonly from: Address;
    readonly nonce: number;
    readonly attempts: readonly Hex[];
    readonly previouslyMined?: MinedAt;
  }): Promise<NonceObservation>;
  headBlockNumber(): Promise<bigint>;
  /** The canonical block at `number`, or undefined past the head. */
  block(number: bigint): Promise<BlockRef | undefined>;
  /** Native value and ERC-20 Transfer logs (any token) to `addresses` in blocks `from..to`, canonical as of now. */
  incomingTransfers(
    range: { readonly fromBlock: bigint; readonly toBlock: bigint },
    addresses: readonly Address[],
  ): Promise<readonly IncomingTransfer[]>;
  /**
   * ERC-20 Transfer logs (any token) from `addresses`, and transactions sent by them, in blocks
   * `from..to`, canonical as of now.
   */
  outgoingTransfers(
    range: { readonly fromBlock: bigint; readonly toBlock: bigint },
    addresses: readonly Address[],
  ): Promise<readonly OutgoingTransfer[]>;
  /** The balance of `asset` held by `address` at block `blockNumber` (the node must still have that state). */
  balanceAt(address: Address, asset: Asset, blockNumber: bigint): Promise<bigint>;
  /** The ERC-20 allowance `owner` has given `spender` on `token`, as of the latest block. */
  allowance(token: Address, owner: Address, spender: Address): Promise<bigint>;
}
