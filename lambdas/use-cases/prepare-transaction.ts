import type { Address } from '../domain/address';
import { gasLimitCeilingFor } from '../domain/chain/fee-allowance';
import { newTransactionFees } from '../domain/chain/new-transaction-fees';
import type { Intent } from '../domain/intents';
import type { PreparedTransaction } from '../domain/lifecycle/transfer-events';
import type { ChainGateway } from '../ports/chain';
import type { NonceReservation, NonceReservationRequest, NonceStore } from '../ports/nonce-store';

export interface PrepareTransactionDeps {
  readonly chain: ChainGateway;
  readonly nonces: NonceStore;
  readonly clock: () => Date;
}

/**
 * Builds the complete unsigned EIP-1559 transaction of a transfer: gas estimated with the configured
 * margin and within the gas ceiling of its kind, fees within the chain's caps, and a nonce reserved
 * for the transfer (a retried Prepare gets the same nonce back). Gas and fees are asked first, so a
 * transfer the node refuses to estimate or that fees would price out reserves no nonce.
 */
export async function prepareTransaction(
  deps: PrepareTransactionDeps,
  request: { readonly transferId: string; readonly from: Address; readonly intent: Intent },
  /** How the nonce is had: reserved by the store (default), or planned to be committed by the caller. */
  nonceFor: (request: NonceReservationRequest) => Promise<NonceReservation> = (r) => deps.nonces.reserve(r),
): Promise<PreparedTransaction> {
  const { chain } = deps;
  const { call } = request.intent;
  const gasLimit = await chain.estimateGasLimit(request.from, call, gasLimitCeilingFor(chain.config, request.intent));
  const fees = newTransactionFees(chain.config, await chain.networkFees());
  const reservation = await nonceFor({
    chainId: chain.config.chainId,
    address: request.from,
    transferId: request.transferId,
    chainPendingNonce: await chain.pendingNonce(request.from),
    at: deps.clock(),
  });
  return {
    chainId: chain.config.chainId,
    nonce: reservation.nonce,
    from: request.from,
    to: call.to,
    value: call.value,
    data: call.data,
    gasLimit,
    ...fees,
  };
}
