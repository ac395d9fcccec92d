import { sha256, stringToBytes } from 'viem';

/**
 * The transfer id of a submit: derived from the caller and their idempotency key, so a retried submit
 * names the same transfer and can never reserve funds twice; the SUBMITTED event's conditional put on
 * this id is what makes a submit idempotent (no record of its own, nothing that expires).
 */
export const transferIdOf = (callerId: string, idempotencyKey: string): string =>
  `tx-${sha256(stringToBytes(`${callerId}\n${idempotencyKey}`)).slice(2, 34)}`;
