import type { CoSignerShare, ShareContext } from '../../../enclave-host/contract';
import { parseAddress } from '../../domain/address';
import { expectObject, ID_RULE, join, rejectUnknownFields, requireString } from '../../domain/validation';
import { badRequest } from './bad-request';
import { refuse } from './co-signer-refusal';
import { decodeCanonical } from './decode-canonical';

/** A KMS ciphertext of a 33-byte share is a few hundred bytes; 6 KiB is KMS's own ceiling. */
export const MAX_KMS_CIPHERTEXT_BYTES = 6144;
const SHARE_FIELDS = ['format', 'context', 'ciphertextBlob'];
const CONTEXT_FIELDS = ['deployment', 'walletId', 'address', 'epoch', 'share'];
/** An epoch is 1 at creation, +1 at each rotation: a positive integer without leading zeros. */
const EPOCH = /^[1-9][0-9]{0,8}$/;
const DEPLOYMENT_RULE = { maxLength: 256 };

/**
 * Parses share 2 as the enclave hands it over (enclave-host/contract.ts `CoSignerShare`): closed
 * objects, a canonical base64 ciphertext, share '2', the address checksummed. Returns the ciphertext's
 * bytes beside it, for the attestation's digest. Anything else is a BAD_REQUEST naming the field.
 */
export function parseCoSignerShare(
  input: unknown,
  path = 'coSignerShare',
): { readonly share: CoSignerShare; readonly ciphertext: Uint8Array } {
  return badRequest(() => {
    const raw = expectObject(input, path);
    rejectUnknownFields(raw, SHARE_FIELDS, path);
    if (raw.format !== 'strongroom.cosigner-share.v1')
      refuse('COSIGNER.BAD_REQUEST', `${join(path, 'format')}: must be "strongroom.cosigner-share.v1"`);
    const context = parseShareContext(raw.context, join(path, 'context'));
    const ciphertext = decodeCanonical(
      raw.ciphertextBlob,
      'base64',
      join(path, 'ciphertextBlob'),
      MAX_KMS_CIPHERTEXT_BYTES,
    );
    return {
      share: { format: 'strongroom.cosigner-share.v1', context, ciphertextBlob: raw.ciphertextBlob as string },
      ciphertext,
    };
  });
}

function parseShareContext(input: unknown, path: string): ShareContext {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, CONTEXT_FIELDS, path);
  const deployment = requireString(raw, 'deployment', path, DEPLOYMENT_RULE);
  const walletId = requireString(raw, 'walletId', path, ID_RULE);
  const address = parseAddress(raw.address, join(path, 'address'));
  const epoch = requireString(raw, 'epoch', path, { maxLength: 9, pattern: EPOCH, patternHint: 'a positive integer' });
  if (raw.share !== '2') refuse('COSIGNER.BAD_REQUEST', `${join(path, 'share')}: must be "2", the co-signer's share`);
  return { deployment, walletId, address, epoch, share: '2' };
}
