import type { CoSignerRetireAnswer } from '../../enclave-host/contract';
import { ID_RULE, requireString } from '../domain/validation';
import { badRequest } from './domain/bad-request';
import { CoSignerRefusal } from './domain/co-signer-refusal';
import type { CoSignerShareStore } from './ports/co-signer-share-store';

export interface RetireShareDeps {
  readonly shares: CoSignerShareStore;
  readonly clock: () => Date;
}

/** What the function that recorded KEY_REVOKED hands over: all of it unchecked. */
export interface RetireShareInput {
  readonly walletId: unknown;
  readonly epoch: unknown;
  readonly reason: unknown;
}

export type RetireShareAnswer =
  CoSignerRetireAnswer | { readonly ok: false; readonly code: 'COSIGNER.BAD_REQUEST'; readonly message: string };

/** As share epochs are everywhere (parse-co-signer-share.ts): a positive integer of at most 9 digits. */
const EPOCH_RULE = { maxLength: 9, pattern: /^[1-9][0-9]{0,8}$/, patternHint: 'a positive integer' };
/** A reason is for the record (an operator's words or an event's id); bounded so a caller cannot grow an item. */
const REASON_RULE = { maxLength: 500 };

/**
 * Retires a wallet's share of one epoch after its key was revoked or rotated: from then on the
 * co-signer never releases it (release-share.ts refuses EPOCH_RETIRED) and never registers that epoch
 * again. One-way and idempotent: a second retirement is `already-retired` and keeps the first reason;
 * an epoch never registered is `unknown` and nothing is written. It only ever refuses more, so it is
 * safe whoever asks; the answer says what was there, never a share.
 */
export async function retireShare(deps: RetireShareDeps, input: RetireShareInput): Promise<RetireShareAnswer> {
  let walletId: string, epoch: string, reason: string;
  try {
    ({ walletId, epoch, reason } = badRequest(() => {
      const raw = { ...input };
      return {
        walletId: requireString(raw, 'walletId', '', ID_RULE),
        epoch: requireString(raw, 'epoch', '', EPOCH_RULE),
        reason: requireString(raw, 'reason', '', REASON_RULE),
      };
    }));
  } catch (cause) {
    if (cause instanceof CoSignerRefusal) return { ok: false, code: 'COSIGNER.BAD_REQUEST', message: cause.message };
    throw cause;
  }
  const outcome = await deps.shares.retire(walletId, epoch, reason, deps.clock());
  return { ok: true, outcome };
}
