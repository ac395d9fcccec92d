/**
 * The audit trace of a registry entry: every change to one wallet or approval group is chained in one
 * trace, so `GET /v1/audit/wallet.<id>` answers "who created it, set each policy, froze it". A
 * transfer's trace is a UUID the service generates (a client's `x-strongroom-trace-id` is never a trace
 * id), which has no `.`, so a transfer's trace can never be chained into a registry entry's.
 */
export const registryTraceId = (kind: 'wallet' | 'group', id: string): string => `${kind}.${id}`;
