import { randomBytes } from 'node:crypto';
import { StrongroomError } from '../../../domain/errors';

/** Standard base64 of at least 128 bits (22 characters and padding): what a CSP nonce source accepts. */
const BASE64_NONCE = /^(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

/** A fresh CSP nonce for one response: 128 random bits in base64. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The nonce, once it is known to be base64: it goes into a header and an attribute, so anything else is a
 * bug in the caller (500), never something to escape and serve.
 */
export function assertNonce(nonce: string): string {
  if (!BASE64_NONCE.test(nonce)) {
    throw new StrongroomError('INTERNAL.ERROR', 'the approval page nonce is not base64 of at least 128 bits');
  }
  return nonce;
}
