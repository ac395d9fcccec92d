import { ConflictError, StrongroomError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferEventStore } from '../../ports/transfer-event-store';

/** A workflow step's input: the transfer, and the state the previous step handed on (if any). */
export interface StepInput {
  readonly transferId: string;
  /** The previous step's `stream` output, carried by the state machine; never trusted beyond the append's condition. */
  readonly stream?: unknown;
}

/** What a step returns to the state machine: its result and the state to hand on ('' when there is none to hand on). */
export type StepOutput<T> = T & { readonly stream: string };

/**
 * Runs one workflow step on the transfer's state: the state handed on by the previous step when there
 * is one (no read), else the stored one. The step writes once, conditioned on the stored stream being
 * the state it ran on; when it is not (another writer appended since, or the carried state is not the
 * stored one), or when the step failed on a carried state that the stored one has moved past, the step
 * runs again, once, on the stored state. It returns the state it ended with.
 */
export async function runTransferStep<T extends object>(
  events: TransferEventStore,
  input: StepInput,
  step: (state: TransferState) => Promise<{ readonly result: T; readonly state: TransferState }>,
): Promise<StepOutput<T>> {
  // '' is what an execution starts with when nothing was handed on: the step reads the table, once.
  const carried =
    input.stream === undefined || input.stream === '' ? undefined : await events.resume(input.transferId, input.stream);
  const start = carried ?? (await stored(events, input.transferId));
  let outcome: { readonly result: T; readonly state: TransferState };
  try {
    outcome = await step(start);
  } catch (error) {
    if (carried === undefined) throw error;
    // The carried state may be behind the stored one (an approval or a cancellation came in between):
    // whatever the step concluded from it, it concludes again from the stored state.
    const current = await stored(events, input.transferId);
    if (!(error instanceof ConflictError) && current.seq === carried.seq) throw error;
    outcome = await step(current);
  }
  // Always a string: the state machine's ResultSelector names it, and a missing field would fail there.
  return { ...outcome.result, stream: events.streamOf(outcome.state) ?? '' };
}

async function stored(events: TransferEventStore, transferId: string): Promise<TransferState> {
  const state = await events.load(transferId);
  if (state === undefined)
    throw new StrongroomError('TRANSFER.NOT_FOUND', `no transfer ${transferId}`, { details: { transferId } });
  return state;
}
