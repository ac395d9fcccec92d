import { TransferHaltedError } from '../../domain/errors';
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
    const transaction = await prepareTransaction(
      { chain, nonces: deps.nonces, clock: deps.clock },
      { transferId: state.id, from, intent: intentOfTransfer(state, from) },
    );
    const at = deps.clock();
    const next = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, at, [{ type: 'TRANSACTION_PREPARED', data: { transaction } }]),
      {
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
    return { result: { nonce: transaction.nonce }, state: next };
  });
}
