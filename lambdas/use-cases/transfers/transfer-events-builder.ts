import type { TransferEvent, TransferEventData, TransferEventType } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/** An event to append, before it has its place in the stream. */
export type NewTransferEvent = {
  [T in TransferEventType]: { readonly type: T; readonly data: TransferEventData[T] };
}[TransferEventType];

/** Numbers new events after `state`'s last one, all at `at` and by `actor`. */
export function eventsAfter(
  state: TransferState,
  actor: string,
  at: Date,
  events: readonly NewTransferEvent[],
): TransferEvent[] {
  return events.map(
    (event, i) => ({ transferId: state.id, seq: state.seq + i + 1, at, actor, ...event }) as TransferEvent,
  );
}
