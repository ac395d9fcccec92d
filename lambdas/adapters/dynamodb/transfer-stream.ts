import { createHash } from 'node:crypto';
import type { Hex } from 'viem';
import type { TransferEvent } from '../../domain/lifecycle/transfer-events';
import { streamEventFields, streamItem } from './stream-item';

/** An event as stored: the item's own fields (the payload in tagged JSON), and the audit record written with it. */
export interface StoredEvent {
  readonly sk: string;
  readonly type: string;
  readonly at: string;
  readonly actor: string;
  readonly data: string;
  /** The seq and hash of the audit record committed with this event, when one was. */
  readonly audit?: { readonly seq: number; readonly hash: Hex };
}

/**
 * A transfer's stream as the store last saw it: the stored events, the digest that chains them (what
 * the listing projection holds, and what every append conditions on), and the newest audit record of
 * the trace that this stream knows of.
 */
export interface StoredStream {
  readonly transferId: string;
  readonly events: readonly StoredEvent[];
  readonly digest: Hex;
  readonly auditHead?: { readonly seq: number; readonly hash: Hex };
}

export const EMPTY_DIGEST: Hex = `0x${'00'.repeat(32)}`;

/** digest(n) = SHA-256(digest(n − 1) ‖ the canonical bytes of event n). */
export function chainDigest(previous: Hex, event: StoredEvent): Hex {
  const bytes = JSON.stringify([event.sk, event.type, event.at, event.actor, event.data]);
  return `0x${createHash('sha256').update(previous.slice(2), 'hex').update(bytes, 'utf8').digest('hex')}`;
}

/** An event as the store writes it (with no audit record yet). */
export function storedEvent(pk: string, event: TransferEvent): StoredEvent {
  return storedEventOfItem(streamItem(pk, event));
}

/** An event item of the events table, as stored. */
export function storedEventOfItem(item: Record<string, unknown>): StoredEvent {
  const audit =
    typeof item.auditSeq === 'number' && typeof item.auditHash === 'string'
      ? { seq: item.auditSeq, hash: item.auditHash as Hex }
      : undefined;
  return {
    sk: item.sk as string,
    type: item.type as string,
    at: item.at as string,
    actor: item.actor as string,
    data: item.data as string,
    ...(audit === undefined ? {} : { audit }),
  };
}

export function toTransferEvent(transferId: string, event: StoredEvent): TransferEvent {
  return { transferId, ...streamEventFields(event as unknown as Record<string, unknown>) } as TransferEvent;
}

/** The stream after `added` (stored in order), from `previous` (undefined for a new transfer). */
export function extendStream(
  transferId: string,
  previous: StoredStream | undefined,
  added: readonly StoredEvent[],
): StoredStream {
  let digest = previous?.digest ?? EMPTY_DIGEST;
  let auditHead = previous?.auditHead;
  for (const event of added) {
    digest = chainDigest(digest, event);
    if (event.audit !== undefined) auditHead = event.audit;
  }
  return {
    transferId,
    events: [...(previous?.events ?? []), ...added],
    digest,
    ...(auditHead === undefined ? {} : { auditHead }),
  };
}

const PAYLOAD_VERSION = 1;
/** Far above any transfer's stream; a larger payload is refused rather than parsed. */
const MAX_PAYLOAD_CHARS = 200_000;

/** The stream as the workflow carries it from step to step (a JSON string). */
export function encodeStream(stream: StoredStream): string {
  return JSON.stringify({ v: PAYLOAD_VERSION, id: stream.transferId, events: stream.events });
}

/**
 * A stream the workflow carried, or undefined when it is absent, malformed or of another transfer:
 * then the step reads the table instead. Its digest is recomputed here from the events; the step's
 * write conditions on it, so a stale or altered payload never commits.
 */
export function decodeStream(transferId: string, payload: unknown): StoredStream | undefined {
  if (typeof payload !== 'string' || payload.length === 0 || payload.length > MAX_PAYLOAD_CHARS) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { v, id, events } = parsed as { v?: unknown; id?: unknown; events?: unknown };
  if (v !== PAYLOAD_VERSION || id !== transferId || !Array.isArray(events) || events.length === 0) return undefined;
  if (!events.every(isStoredEvent)) return undefined;
  return extendStream(transferId, undefined, events);
}

function isStoredEvent(value: unknown): value is StoredEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  const audit = e.audit as Record<string, unknown> | undefined;
  return (
    ['sk', 'type', 'at', 'actor', 'data'].every((field) => typeof e[field] === 'string') &&
    (audit === undefined || (typeof audit.seq === 'number' && typeof audit.hash === 'string'))
  );
}
