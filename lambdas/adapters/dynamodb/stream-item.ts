import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';

/** The fields every event of an append-only stream has, whatever the stream (transfer, wallet). */
export interface StreamEventFields {
  readonly seq: number;
  readonly type: string;
  readonly at: Date;
  readonly actor: string;
  readonly data: unknown;
}

/** The item of one event in the events table: `pk` the stream, `sk` the zero-padded sequence. */
export function streamItem(pk: string, event: StreamEventFields): Record<string, unknown> {
  return {
    pk,
    sk: padSequence(event.seq),
    type: event.type,
    at: event.at.toISOString(),
    actor: event.actor,
    data: toTaggedJson(event.data),
  };
}

/** An event item read back: the stream's own fields, the payload's bigints and dates restored. */
export function streamEventFields(item: Record<string, unknown>): StreamEventFields {
  return {
    seq: Number(item.sk),
    type: item.type as string,
    at: new Date(item.at as string),
    actor: item.actor as string,
    data: fromTaggedJson(item.data as string),
  };
}
