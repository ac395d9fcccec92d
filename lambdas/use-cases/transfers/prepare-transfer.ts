import { ConflictError, TransferHaltedError } from '../../domain/errors';
import type { PreparedTransaction } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { PlannedNonceReservation } from '../../ports/nonce-store';
import { prepareTransaction } from '../prepare-transaction';
import { haltIfCancelled } from './halt-if-cancelled';
import { intentOfTransfer } from './intent-of-transfer';
import { walletAddressOf } from './load-wallet';
import { auditEntry } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type PrepareTransferDeps = Pick<TransferDeps, 'events' | 'wallets' | 'chains' | 'nonces' | 'audit' | 'clock'>;

const ACTOR = 'workflow:prepare';

/**
 * Prepare (ARCHITECTURE.md §4.4): the complete unsigned EIP-1559 transaction with its nonce reserved
 * for this transfer. Run again, it returns the transaction it recorded: a nonce is set once.
 */
export function prepareTransfer(deps: PrepareTransferDeps, input: StepInput): Promise<StepOutput<{ nonce: number }>> {
  return runTransferStep(deps.events, input, async (state) => {
    if (state.transaction !== undefined) return { result: { nonce: state.transaction.nonce }, state };
    haltIfCancelled(state);
    if (state.status !== 'QUEUED')
      throw new TransferHaltedError(
        'TRANSFER.NOT_AUTHORIZED',
        `transfer ${state.id} is ${state.status}, not queued for preparation`,
      );
    const from = await walletAddressOf(deps, state);
    const chain = deps.chains.get(state.chainId);
    const request = { transferId: state.id, from, intent: intentOfTransfer(state, from) };
    const prepare = { chain, nonces: deps.nonces, clock: deps.clock };
    // The nonce is planned and committed with the event (one write); when another transfer took it
    // first, the store reserves the next one on its own and the event follows.
    let planned: PlannedNonceReservation | undefined;
    const transaction = await prepareTransaction(prepare, request, async (nonceRequest) => {
      if (deps.nonces.planReservation === undefined) return deps.nonces.reserve(nonceRequest);
      planned = await deps.nonces.planReservation(nonceRequest);
      return planned.reservation;
    });
    try {
      return { result: { nonce: transaction.nonce }, state: await record(deps, state, transaction, planned) };
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'NONCE.TAKEN') throw error;
      const reserved = await prepareTransaction(prepare, request);
      return { result: { nonce: reserved.nonce }, state: await record(deps, state, reserved) };
    }
  });
}

function record(
  deps: PrepareTransferDeps,
  state: TransferState,
  transaction: PreparedTransaction,
  nonce?: PlannedNonceReservation,
): Promise<TransferState> {
  const at = deps.clock();
  return deps.events.append(
    state,
    eventsAfter(state, ACTOR, at, [{ type: 'TRANSACTION_PREPARED', data: { transaction } }]),
    {
      ...(nonce === undefined ? {} : { nonce }),
      audit: auditEntry({
        traceId: state.traceId,
        actor: ACTOR,
        action: 'TRANSACTION_PREPARED',
        inputs: transaction,
        result: `nonce ${transaction.nonce}, gas ${transaction.gasLimit}, max fee ${transaction.maxFeePerGas}`,
        at,
      }),
    },
  );
}
