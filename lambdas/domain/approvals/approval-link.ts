import { hexToBytes, sha256, stringToBytes, type Hex } from 'viem';

/**
 * An approver's link to one approval request: `<public base URL>/v1/approvals/{id}?t=<secret>`, the
 * secret 256 random bits (base64url, 43 characters) made for one member of the request's groups. Only
 * its SHA-256 is stored, with the member it belongs to; the secret itself exists in the message the
 * member receives and nowhere else.
 */
export interface ApprovalLink {
  readonly memberId: string;
  /** SHA-256 of the secret, 0x-hex. */
  readonly secretHash: Hex;
}

/** A link secret as links carry it: 43 base64url characters (256 bits). */
export const LINK_SECRET = /^[A-Za-z0-9_-]{43}$/;

export function linkSecretHash(secret: string): Hex {
  return sha256(stringToBytes(secret));
}

/**
 * The member a secret belongs to, or undefined. Every stored hash is compared, each in constant time
 * (the hashes have one length), so neither the answer's timing nor an early exit says which member or
 * how much of a hash matched. A secret of the wrong shape matches nothing.
 */
export function memberOfLink(links: readonly ApprovalLink[], secret: string): string | undefined {
  if (!LINK_SECRET.test(secret)) return undefined;
  const offered = hexBytes(linkSecretHash(secret));
  let found: string | undefined;
  for (const link of links) {
    if (constantTimeEqual(offered, hexBytes(link.secretHash)) && found === undefined) found = link.memberId;
  }
  return found;
}

/** `<base>/v1/approvals/{id}?t=<secret>`; `base` without a trailing slash is the API's stage URL (or your domain). */
export function approvalLinkUrl(base: string, requestId: string, secret: string): string {
  return `${base.replace(/\/+$/, '')}/v1/approvals/${encodeURIComponent(requestId)}?t=${secret}`;
}

const hexBytes = (hex: Hex): Uint8Array => hexToBytes(hex);

/**
 * Compares two byte strings without an early exit. Written here because the domain imports no `node:`
 * module (node:crypto's timingSafeEqual does the same); the inputs are hashes, so their length is public.
 */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
