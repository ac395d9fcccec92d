import { BlockNotFoundError, createPublicClient, http, type Hex, type PublicClient } from 'viem';
import type { Address } from '../../domain/address';
import type { ChainConfig } from '../../domain/chain/chain-config';
import type { NetworkFees } from '../../domain/chain/new-transaction-fees';
import { ChainError } from '../../domain/errors';
import type { EvmCall } from '../../domain/intents';
import type { Asset } from '../../domain/asset';
import type { BlockRef, BroadcastResult, ChainGateway, IncomingTransfer, OutgoingTransfer } from '../../ports/chain';
import type { MinedAt, NonceObservation } from '../../domain/chain/nonce-observation';
import { broadcastTransaction } from './broadcast-transaction';
import { nodeMessage, readChain } from './chain-rpc-error';
import { incomingTransfers } from './incoming-transfers';
import { observeNonce } from './observe-nonce';
import { balanceAt, outgoingTransfers } from './outgoing-transfers';
import { readAllowance } from './read-allowance';

export interface ViemChainGatewayOptions {
  /** Per request; the workflow's own Retry handles a node that stays silent. */
  readonly timeoutMs?: number;
  readonly retryCount?: number;
}

/** A ChainGateway over JSON-RPC with viem. */
export class ViemChainGateway implements ChainGateway {
  readonly client: PublicClient;

  constructor(
    readonly config: ChainConfig,
    options: ViemChainGatewayOptions = {},
  ) {
    this.client = createPublicClient({
      transport: http(config.rpcUrl, { timeout: options.timeoutMs ?? 10_000, retryCount: options.retryCount ?? 2 }),
      cacheTime: 0,
    });
  }

  pendingNonce(address: Address): Promise<number> {
    return readChain('pending nonce', () => this.client.getTransactionCount({ address, blockTag: 'pending' }));
  }

  minedNonce(address: Address): Promise<number> {
    return readChain('mined nonce', () => this.client.getTransactionCount({ address, blockTag: 'latest' }));
  }

  async estimateGasLimit(from: Address, call: EvmCall, ceiling: bigint): Promise<bigint> {
    let estimate: bigint;
    try {
      estimate = await readChain('gas estimate', () =>
        this.client.estimateGas({ account: from, to: call.to, value: call.value, data: call.data }),
      );
    } catch (error) {
      if (error instanceof ChainError || (error as { name?: string }).name === 'DependencyUnavailableError')
        throw error;
      throw new ChainError(
        'CHAIN.GAS_ESTIMATE_FAILED',
        'the node could not estimate the transaction: it would revert',
        {
          cause: error,
          details: { nodeMessage: nodeMessage(error) },
        },
      );
    }
    if (estimate > ceiling) {
      throw new ChainError(
        'CHAIN.GAS_ESTIMATE_FAILED',
        `the transaction needs ${estimate} gas, above the ceiling of ${ceiling}`,
        {
          details: { estimate: estimate.toString(), ceiling: ceiling.toString() },
        },
      );
    }
    const withMargin = (estimate * BigInt(100 + this.config.gasLimitMarginPercent) + 99n) / 100n;
    return withMargin < ceiling ? withMargin : ceiling;
  }

  async networkFees(): Promise<NetworkFees> {
    const [block, maxPriorityFeePerGas] = await readChain('fees', () =>
      Promise.all([this.client.getBlock({ blockTag: 'latest' }), this.client.estimateMaxPriorityFeePerGas()]),
    );
    if (block.baseFeePerGas === null)
      throw new ChainError('CHAIN.UNKNOWN', `chain ${this.config.chainId} has no EIP-1559 base fee`);
    return { baseFeePerGas: block.baseFeePerGas, maxPriorityFeePerGas };
  }

  broadcast(serializedTransaction: Hex): Promise<BroadcastResult> {
    return broadcastTransaction(this.client, this.config.chainId, serializedTransaction);
  }

  observe(request: {
    from: Address;
    nonce: number;
    attempts: readonly Hex[];
    previouslyMined?: MinedAt;
  }): Promise<NonceObservation> {
    return readChain('nonce observation', () => observeNonce(this.client, request));
  }

  headBlockNumber(): Promise<bigint> {
    return readChain('head block', () => this.client.getBlockNumber({ cacheTime: 0 }));
  }

  block(number: bigint): Promise<BlockRef | undefined> {
    return readChain('block', async () => {
      try {
        const block = await this.client.getBlock({ blockNumber: number });
        return { number, hash: block.hash, parentHash: block.parentHash };
      } catch (error) {
        if (error instanceof BlockNotFoundError) return undefined;
        throw error;
      }
    });
  }

  incomingTransfers(
    range: { fromBlock: bigint; toBlock: bigint },
    addresses: readonly Address[],
  ): Promise<readonly IncomingTransfer[]> {
    return readChain('incoming transfers', () => incomingTransfers(this.client, range, addresses));
  }

  outgoingTransfers(
    range: { fromBlock: bigint; toBlock: bigint },
    addresses: readonly Address[],
  ): Promise<readonly OutgoingTransfer[]> {
    return readChain('outgoing transfers', () => outgoingTransfers(this.client, range, addresses));
  }

  balanceAt(address: Address, asset: Asset, blockNumber: bigint): Promise<bigint> {
    return readChain('balance', () => balanceAt(this.client, address, asset, blockNumber));
  }

  allowance(token: Address, owner: Address, spender: Address): Promise<bigint> {
    return readChain('allowance', () => readAllowance(this.client, token, owner, spender));
  }
}
