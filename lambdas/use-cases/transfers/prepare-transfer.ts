import { TransferHaltedError } from '../../domain/errors';
import { prepareTransaction } from '../prepare-transaction';
import { haltIfCancelled } from './halt-if-cancelled';
import { intentOfTransfer } from './intent-of-transfer';
import { loadTransfer } from './load-transfer';
import { loadWallet } from './load-wallet';
import { recordAudit } from './record-audit';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type PrepareTransferDeps = Pick<TransferDeps, 'events' | 'wallets' | 'chains' | 'nonces' | 'audit' | 'clock'>;

const ACTOR = 'workflow:prepare';

/**
 * Prepare (ARCHITECTURE.md §4.4): the complete unsigned EIP-1559 transaction with its nonce reserved
 * for this transfer. Run again, it returns the transaction it recorded: a nonce is set once.
 */
export async function prepareTransfer(
  deps: PrepareTransferDeps,
  input: { readonly transferId: string },
): Promise<{ nonce: number }> {
  const state = await loadTransfer(deps.events, input.transferId);
  if (state.transaction !== undefined) return { nonce: state.transaction.nonce };
  haltIfCancelled(state);
  if (state.status !== 'QUEUED')
    throw new TransferHaltedError(
      'TRANSFER.NOT_AUTHORIZED',
      `transfer ${state.id} is ${state.status}, not queued for preparation`,
    );
  const wallet = await loadWallet(deps.wallets, state.walletId);
  const chain = deps.chains.get(state.chainId);
  const transaction = await prepareTransaction(
    { chain, nonces: deps.nonces, clock: deps.clock },
    { transferId: state.id, from: wallet.address, intent: intentOfTransfer(state, wallet.address) },
  );
  const at = deps.clock();
  await deps.events.append(
    state,
    eventsAfter(state, ACTOR, at, [{ type: 'TRANSACTION_PREPARED', data: { transaction } }]),
  );
  await recordAudit(deps.audit, {
    traceId: state.traceId,
    actor: ACTOR,
    action: 'TRANSACTION_PREPARED',
    inputs: transaction,
    result: `nonce ${transaction.nonce}, gas ${transaction.gasLimit}, max fee ${transaction.maxFeePerGas}`,
    at,
  });
  return { nonce: transaction.nonce };
}
