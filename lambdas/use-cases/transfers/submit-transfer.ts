import { feeAllowance } from '../../domain/chain/fee-allowance';
import { StrongroomError } from '../../domain/errors';
import { normaliseIdempotencyKey } from '../../domain/idempotency-key';
import { buildIntent } from '../../domain/intents';
import { reserve } from '../../domain/ledger/transfer-postings';
import type { TransferEventOf, TransferStatus } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { Principal } from '../../domain/principal';
import { parseTransferRequest } from '../../domain/transfer-request';
import { loadWallet } from './load-wallet';
import { recordAudit } from './record-audit';
import { startTransferExecution } from './start-transfer-execution';
import type { TransferDeps } from './transfer-deps';
import { transferIdOf } from './transfer-id-of';

export type SubmitTransferDeps = Pick<
  TransferDeps,
  'wallets' | 'chains' | 'submissions' | 'events' | 'workflow' | 'audit' | 'idempotency' | 'clock'
>;

export interface SubmittedTransfer {
  readonly id: string;
  readonly status: TransferStatus;
  readonly traceId: string;
}

/**
 * Accepts a transfer (ARCHITECTURE.md §4, Submit): validates the request, turns it into an intent,
 * and in one transaction records it and reserves its amount and fee allowance; then starts its
 * workflow. The same key with the same body answers the same; with another body, 409.
 */
export async function submitTransfer(
  deps: SubmitTransferDeps,
  request: {
    readonly principal: Principal;
    readonly idempotencyKey: unknown;
    readonly body: unknown;
    readonly traceId: string;
  },
): Promise<SubmittedTransfer> {
  const key = normaliseIdempotencyKey(request.idempotencyKey);
  const parsed = parseTransferRequest(request.body);
  return deps.idempotency.run({ scope: request.principal.id, key, payload: request.body }, async () => {
    const wallet = await loadWallet(deps.wallets, parsed.walletId);
    if (wallet.status !== 'ACTIVE') {
      throw new StrongroomError(
        'WALLET.NOT_ACTIVE',
        `wallet ${wallet.id} is ${wallet.status.toLowerCase().replace('_', ' ')}`,
        { details: { walletId: wallet.id, status: wallet.status } },
      );
    }
    const chain = deps.chains.get(wallet.chainId);
    const intent = buildIntent(parsed, wallet.address);
    const transferId = transferIdOf(request.principal.id, key);
    const at = deps.clock();
    const allowance = feeAllowance(chain.config, intent);
    const submitted: TransferEventOf<'SUBMITTED'> = {
      transferId,
      seq: 1,
      type: 'SUBMITTED',
      at,
      actor: request.principal.id,
      data: {
        walletId: wallet.id,
        initiatorId: request.principal.id,
        initiatorRoles: request.principal.roles,
        traceId: request.traceId,
        chainId: wallet.chainId,
        to: intent.call.to,
        asset: intent.asset,
        amount: intent.amount,
        data: intent.call.data,
        feeAllowance: allowance,
        reserved: { asset: intent.asset, amount: intent.outflow },
        ...(parsed.note === undefined ? {} : { note: parsed.note }),
      },
    };
    let state: TransferState;
    try {
      state = await deps.submissions.submit(
        submitted,
        reserve(
          { transferId, walletId: wallet.id, asset: intent.asset, amount: intent.outflow, feeAllowance: allowance },
          at,
        ),
      );
    } catch (error) {
      // Submitted before (its idempotency record has expired): the same transfer, not a new one.
      if (!(error instanceof StrongroomError && error.code === 'STORE.DUPLICATE')) throw error;
      const existing = await deps.events.load(transferId);
      if (existing === undefined) throw error;
      return { id: existing.id, status: existing.status, traceId: existing.traceId };
    }
    await recordAudit(deps.audit, {
      traceId: state.traceId,
      actor: request.principal.id,
      action: 'TRANSFER_SUBMITTED',
      inputs: {
        walletId: wallet.id,
        to: intent.call.to,
        asset: intent.asset,
        amount: intent.amount,
        data: intent.call.data,
      },
      result: `${transferId} reserved ${intent.outflow} ${intent.asset} + fee allowance ${allowance}`,
      at,
    });
    state = await startTransferExecution(deps, state);
    return { id: state.id, status: state.status, traceId: state.traceId };
  });
}
