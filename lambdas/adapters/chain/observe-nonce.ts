import type { Hex, PublicClient, TransactionReceipt } from 'viem';
import type { Address } from '../../domain/address';
import type { MinedAt, NonceObservation } from '../../domain/chain/nonce-observation';
import { findReceipt, findTransaction } from './find-transaction';

export interface ObserveNonceRequest {
  readonly from: Address;
  readonly nonce: number;
  /** The hashes of every attempt we signed at this nonce (the original, replacements, a cancellation). */
  readonly attempts: readonly Hex[];
  readonly previouslyMined?: MinedAt;
}

/**
 * What became of (from, nonce): tracked by the nonce, not by one hash, so a replacement mined instead
 * of the original (or the original instead of its replacement) is recognised as ours.
 */
export async function observeNonce(client: PublicClient, request: ObserveNonceRequest): Promise<NonceObservation> {
  const observation = await observeOnce(client, request);
  const before = request.previouslyMined;
  const moved =
    before !== undefined &&
    (observation.kind !== 'MINED' ||
      observation.blockHash !== before.blockHash ||
      observation.txHash !== before.txHash);
  return moved ? { ...observation, reorgedOut: before } : observation;
}

async function observeOnce(client: PublicClient, request: ObserveNonceRequest): Promise<NonceObservation> {
  const mined = await minedAttempt(client, request.attempts);
  if (mined !== undefined) return minedObservation(client, mined);
  const chainNonce = await client.getTransactionCount({ address: request.from, blockTag: 'latest' });
  if (chainNonce > request.nonce) {
    // The nonce is consumed. One of ours may have been mined between the two reads: look once more.
    const late = await minedAttempt(client, request.attempts);
    if (late !== undefined) return minedObservation(client, late);
    return { kind: 'TAKEN_BY_OTHER', chainNonce };
  }
  const known: Hex[] = [];
  for (const hash of request.attempts) {
    if ((await findTransaction(client, hash)) !== undefined) known.push(hash);
  }
  return known.length > 0 ? { kind: 'PENDING', knownHashes: known } : { kind: 'DROPPED' };
}

async function minedAttempt(client: PublicClient, attempts: readonly Hex[]): Promise<TransactionReceipt | undefined> {
  for (const hash of attempts) {
    const receipt = await findReceipt(client, hash);
    if (receipt !== undefined) return receipt;
  }
  return undefined;
}

async function minedObservation(client: PublicClient, receipt: TransactionReceipt): Promise<NonceObservation> {
  const head = await client.getBlockNumber({ cacheTime: 0 });
  return {
    kind: 'MINED',
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    confirmations: head >= receipt.blockNumber ? Number(head - receipt.blockNumber + 1n) : 0,
    fee: receipt.gasUsed * receipt.effectiveGasPrice,
    succeeded: receipt.status === 'success',
  };
}
