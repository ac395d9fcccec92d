import type { Hex } from 'viem';
import type { CoSignerReleaseRequest } from '../../../enclave-host/contract';
import type { AuthorizationProof } from '../../domain/proof/authorization-proof';
import { proofFromJson } from '../../domain/proof/proof-json';
import { expectObject, ID_RULE, join, rejectUnknownFields, requireString } from '../../domain/validation';
import { badRequest } from './bad-request';
import { refuse } from './co-signer-refusal';
import { decodeCanonical } from './decode-canonical';

/** An attestation document is a few KiB (the chain of certificates); the NSM's fields are bounded. */
export const MAX_ATTESTATION_BYTES = 16 * 1024;
const REQUEST_FIELDS = ['jobId', 'walletId', 'proof', 'proofSignature', 'attestation'];
/** `${transferId}:${attempt}:${proofId}` (enclave-host/contract.ts `SigningJob`); ids never hold ':'. */
const JOB_ID = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):([1-9][0-9]{0,5}):(0x[0-9a-f]{64})$/;
// Shape only: what makes a signature acceptable (canonical r, s, v) is the proof check's, refused there.
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{130}$/;

/** A release request whose every field parsed: nothing in it is trusted yet. */
export interface ParsedReleaseRequest {
  readonly jobId: string;
  readonly job: { readonly transferId: string; readonly attempt: number; readonly proofId: Hex };
  readonly walletId: string;
  readonly proof: AuthorizationProof;
  readonly proofSignature: Hex;
  readonly attestation: Uint8Array;
}

/** Parses a `CoSignerReleaseRequest` strictly, or refuses it (BAD_REQUEST) naming the field. */
export function parseReleaseRequest(input: unknown): ParsedReleaseRequest {
  return badRequest(() => {
    const raw = expectObject(input, 'request');
    rejectUnknownFields(raw, REQUEST_FIELDS, 'request');
    const request = raw as Partial<Record<keyof CoSignerReleaseRequest, unknown>>;
    const jobId = requireString(raw, 'jobId', 'request', { maxLength: 160 });
    const job = JOB_ID.exec(jobId);
    if (job === null)
      return refuse('COSIGNER.BAD_REQUEST', 'request.jobId: must be "<transferId>:<attempt>:<proofId>"');
    const [, transferId = '', attempt = '', proofId = ''] = job;
    const walletId = requireString(raw, 'walletId', 'request', ID_RULE);
    const proof = proofFromJson(request.proof, join('request', 'proof'));
    if (typeof request.proofSignature !== 'string' || !SIGNATURE_HEX.test(request.proofSignature))
      refuse('COSIGNER.BAD_REQUEST', 'request.proofSignature: must be 65 bytes of 0x-prefixed hex');
    const attestation = decodeCanonical(request.attestation, 'base64', 'request.attestation', MAX_ATTESTATION_BYTES);
    return {
      jobId,
      job: { transferId, attempt: Number(attempt), proofId: proofId as Hex },
      walletId,
      proof,
      proofSignature: request.proofSignature as Hex,
      attestation,
    };
  });
}
