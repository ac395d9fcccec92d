import type { TransferRequestFields } from './intents';
import { expectObject, ID_RULE, optionalString, rejectUnknownFields, requireString } from './validation';

/** A `POST /v1/transactions` body, its shape checked; `buildIntent` checks the transfer fields. */
export interface TransferRequest extends TransferRequestFields {
  readonly walletId: string;
  readonly note?: string;
}

const FIELDS = ['walletId', 'to', 'asset', 'amount', 'data', 'note'] as const;

/**
 * Checks the shape of a transfer request. Unknown fields are refused, so a client cannot smuggle in
 * what this API never signs (a permit, typed data, an EIP-7702 `authorizationList`, a raw `gas` or `nonce`).
 */
export function parseTransferRequest(body: unknown): TransferRequest {
  const value = expectObject(body, 'body');
  rejectUnknownFields(value, FIELDS, '');
  const walletId = requireString(value, 'walletId', '', ID_RULE);
  const note = optionalString(value, 'note', '', { maxLength: 256 });
  return {
    walletId,
    to: value.to,
    asset: value.asset,
    amount: value.amount,
    data: value.data,
    ...(note === undefined ? {} : { note }),
  };
}
