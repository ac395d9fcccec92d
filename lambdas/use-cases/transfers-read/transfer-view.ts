import type { Hex } from 'viem';
import type { Asset } from '../../domain/asset';
import type {
  TransferEvent,
  TransferEventData,
  TransferEventOf,
  TransferEventType,
  TransferStatus,
} from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/**
 * A transfer as the API shows it. Events are listed by type, time and actor only: their payloads
 * hold signed bytes, proof ids and the like, which a reader of the status has no use for.
 */
export interface TransferView {
  readonly id: string;
  readonly status: TransferStatus;
  readonly walletId: string;
  readonly chainId: number;
  readonly to: string;
  readonly asset: Asset;
  readonly amount: bigint;
  readonly data?: Hex;
  readonly note?: string;
  readonly traceId: string;
  /** The correlation id the client sent with the submit, if any (never a trace id). */
  readonly clientTraceId?: string;
  readonly initiatorId: string;
  readonly submittedAt: Date;
  readonly updatedAt: Date;
  readonly txHash?: Hex;
  readonly confirmations?: number;
  /** The fee paid on chain: by the transfer, or by the cancellation or reverted call that ended it. */
  readonly fee?: bigint;
  readonly cancelRequested?: { readonly by: string; readonly at: Date };
  /** The approval request to decide on (`POST /v1/approvals/{id}`), once one was made. */
  readonly approvalRequestId?: string;
  readonly approverIds?: readonly string[];
  readonly rejection?: TransferEventData['REJECTED'];
  readonly failure?: TransferEventData['FAILED'];
  readonly events: readonly {
    readonly seq: number;
    readonly type: TransferEventType;
    readonly at: Date;
    readonly actor: string;
  }[];
}

export function transferView(state: TransferState, events: readonly TransferEvent[]): TransferView {
  const confirmation = state.confirmed ?? state.latestConfirmation;
  const txHash =
    confirmation?.txHash ??
    [...state.attempts].reverse().find((a) => a.broadcast && a.txHash !== undefined)?.txHash ??
    state.attempts.at(-1)?.txHash;
  return {
    id: state.id,
    status: state.status,
    walletId: state.walletId,
    chainId: state.chainId,
    to: state.to,
    asset: state.asset,
    amount: state.amount,
    ...(state.data === '0x' ? {} : { data: state.data }),
    ...(state.note === undefined ? {} : { note: state.note }),
    traceId: state.traceId,
    ...clientTraceIdOf(events),
    initiatorId: state.initiatorId,
    submittedAt: state.submittedAt,
    updatedAt: state.updatedAt,
    ...(txHash === undefined ? {} : { txHash }),
    ...(confirmation === undefined ? {} : { confirmations: confirmation.confirmations }),
    ...feeOf(state),
    ...(state.cancelRequested === undefined ? {} : { cancelRequested: state.cancelRequested }),
    ...(state.approvalRequestId === undefined ? {} : { approvalRequestId: state.approvalRequestId }),
    ...(state.approverIds === undefined ? {} : { approverIds: state.approverIds }),
    ...(state.rejection === undefined ? {} : { rejection: state.rejection }),
    ...(state.failure === undefined ? {} : { failure: state.failure }),
    events: events.map(({ seq, type, at, actor }) => ({ seq, type, at, actor })),
  };
}

function feeOf(state: TransferState): { fee?: bigint } {
  if (state.confirmed !== undefined) return { fee: state.confirmed.fee };
  const outcome = state.chainOutcome;
  return outcome !== undefined && outcome.kind !== 'ATTEMPTS_INVALIDATED' ? { fee: outcome.fee } : {};
}

function clientTraceIdOf(events: readonly TransferEvent[]): { clientTraceId?: string } {
  const submitted = events.find((e): e is TransferEventOf<'SUBMITTED'> => e.type === 'SUBMITTED');
  const clientTraceId = submitted?.data.clientTraceId;
  return clientTraceId === undefined ? {} : { clientTraceId };
}
