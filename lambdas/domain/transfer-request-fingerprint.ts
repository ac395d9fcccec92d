import { sha256, stringToBytes, type Hex } from 'viem';
import type { TransferRequest } from './transfer-request';

/** Names the definition below: a later definition gets another tag, so old and new never compare equal by accident. */
const DEFINITION = 'strongroom.transfer-request-fingerprint.v1';

/**
 * The fingerprint of a submit's body, stored in its SUBMITTED event: a replay under the same
 * Idempotency-Key is the same request exactly when its fingerprint is equal.
 *
 * "The same body" means the same JSON value once parsed: member order, white space, string escapes
 * (`"\u0041"` is `"A"`) and the spelling of a number (`1e3` is `1000`) do not matter; a member that is
 * absent and one whose value is `undefined` after parsing are the same. Everything else does: values
 * are compared as sent, not as interpreted, so `"0xAB…"` and `"0xab…"`, or a missing `data` and
 * `"data": "0x"`, are different bodies (a client's retry sends the same body, so it is never refused;
 * a body written differently under a used key is refused, the safe side). The body is the parsed
 * request, so only its known fields take part (unknown fields are refused before this).
 *
 * The digest is SHA-256 over the definition's tag, a newline, and the canonical JSON of the request.
 */
export function transferRequestFingerprint(request: TransferRequest): Hex {
  const fields: Record<string, unknown> = {
    walletId: request.walletId,
    to: request.to,
    asset: request.asset,
    amount: request.amount,
    data: request.data,
    note: request.note,
  };
  return sha256(stringToBytes(`${DEFINITION}\n${canonicalJson(fields)}`));
}

/** JSON with members sorted by name and no white space; `undefined` members are left out, as JSON.stringify does. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a JSON number is finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}
