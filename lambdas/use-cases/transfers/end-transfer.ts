import { release } from '../../domain/ledger/transfer-postings';
import type { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import { mayReleaseFunds, type TransferState } from '../../domain/lifecycle/transfer-state';
import type { NewTransferEvent } from './transfer-events-builder';
import { eventsAfter } from './transfer-events-builder';
import { auditEntry } from './record-audit';
import { reservationOf } from './reservation-of';
import type { TransferDeps } from './transfer-deps';

type Terminal = typeof TERMINAL_STATUSES extends ReadonlySet<infer S> ? Exclude<S, 'COMPLETED'> : never;

/**
 * Ends a transfer that failed before any signature could exist: the reservation released in the
 * ledger, then the terminal event with FUNDS_RELEASED. Each part is idempotent, so a step that died
 * half way and runs again finishes the job ({@link releaseIfDue}).
 */
export async function endTransfer(
  deps: Pick<TransferDeps, 'events' | 'ledger' | 'audit' | 'clock'>,
  state: TransferState,
  actor: string,
  terminal: NewTransferEvent & { readonly type: Terminal },
  before: readonly NewTransferEvent[] = [],
): Promise<TransferState> {
  const at = deps.clock();
  // The release, the ending and the audit record in one write: a client never sees a transfer ended
  // with its funds still held. The posting is idempotent if this runs again.
  const releasing = mayReleaseFunds(state);
  const released: NewTransferEvent[] = releasing
    ? [{ type: 'FUNDS_RELEASED', data: { reason: `transfer ${terminal.type.toLowerCase()}` } }]
    : [];
  const ended = await deps.events.append(state, eventsAfter(state, actor, at, [...before, terminal, ...released]), {
    ...(releasing ? { posting: release(reservationOf(state), at) } : {}),
    audit: auditEntry({
      traceId: state.traceId,
      actor,
      action: `TRANSFER_${terminal.type}`,
      inputs: terminal.data,
      result: terminal.type,
      at,
    }),
  });
  return releaseIfDue(deps, ended, actor);
}

/** Releases the reservation of an ended transfer that may release it and has not yet. */
export async function releaseIfDue(
  deps: Pick<TransferDeps, 'events' | 'ledger' | 'clock'>,
  state: TransferState,
  actor: string,
): Promise<TransferState> {
  const ended =
    state.status === 'REJECTED' ||
    state.status === 'EXPIRED' ||
    state.status === 'CANCELLED' ||
    state.status === 'FAILED';
  if (!ended || !mayReleaseFunds(state)) return state;
  const at = deps.clock();
  return deps.events.append(
    state,
    eventsAfter(state, actor, at, [
      { type: 'FUNDS_RELEASED', data: { reason: `transfer ${state.status.toLowerCase()}` } },
    ]),
    { posting: release(reservationOf(state), at) },
  );
}
