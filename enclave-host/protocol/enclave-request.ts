import type { Hex } from 'viem';
import { parseAddress } from '../../lambdas/domain/address';
import { StrongroomError } from '../../lambdas/domain/errors';
import {
  checkString,
  expectObject,
  ID_RULE,
  join,
  rejectUnknownFields,
  requireString,
  type StringRule,
  type UncheckedObject,
} from '../../lambdas/domain/validation';
import type { EnclaveRequest, HpkeSealed, KmsCredentials, SealContext, SealedKey, SealPurpose } from '../contract';
import { decodeBase64url, HPKE_SHARE_FORMAT, isShareError, parseRecoveryPublicKey } from '../shares';
import { EnclaveError } from './enclave-error';

/*
 * The enclave trusts nothing the host sends, so every request is parsed here, strictly: closed
 * objects (a `digest`, a `transaction` or an `approvalKeyAddress` beside the contract's fields is
 * refused, never ignored: there is no field through which a host could choose what gets signed or
 * who may authorize it), bounded strings, canonical base64. The proof itself stays `unknown`: the
 * enclave parses it with the domain's own parser and refuses it as PROOF_INVALID.
 */

const FIELDS: Record<EnclaveRequest['op'], readonly string[]> = {
  health: ['op'],
  createAgentKey: ['op', 'walletId', 'credentials'],
  sign: ['op', 'transferId', 'walletId', 'proof', 'proofSignature', 'sealedKey', 'credentials'],
  rotateAgentKey: ['op', 'walletId', 'current', 'credentials'],
  createMpcKey: ['op', 'walletId', 'recoveryPublicKey', 'credentials'],
  openMpcSession: ['op', 'walletId', 'jobId'],
  signMpc: [
    'op',
    'transferId',
    'walletId',
    'jobId',
    'sessionId',
    'proof',
    'proofSignature',
    'sealedShare',
    'releasedShare',
    'credentials',
  ],
};
/** What each op accepts as a sealed record: an agent key for sign and rotation, share 1 for signMpc. */
const PURPOSES: readonly SealPurpose[] = ['agent-key', 'key-share'];
const HPKE_SEALED_FIELDS = ['format', 'context', 'enc', 'ciphertext'];
const SHARE_CONTEXT_FIELDS = ['deployment', 'walletId', 'address', 'epoch', 'share'];
const SEALED_KEY_FIELDS = ['format', 'context', 'address', 'encryptedDataKey', 'iv', 'ciphertext'];
const CONTEXT_FIELDS = ['deployment', 'walletId', 'purpose', 'version'];
const CREDENTIAL_FIELDS = ['accessKeyId', 'secretAccessKey', 'sessionToken'];

/** A deployment id as proof domains take it: printable, bounded. */
const DEPLOYMENT_RULE: StringRule = { maxLength: 256 };
const VERSION_RULE: StringRule = { maxLength: 9, pattern: /^[1-9][0-9]*$/, patternHint: 'a positive decimal integer' };
const CREDENTIAL_RULE: StringRule = { maxLength: 4096 };
/** A KMS ciphertext blob of a 32-byte data key is a few hundred bytes; generous, still bounded. */
const BASE64_RULE: StringRule = {
  maxLength: 8192,
  pattern: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  patternHint: 'base64',
};
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
/** A signing job's id (`${transferId}:${attempt}:${proofId}`), as the host's job parser bounds it. */
const JOB_ID_RULE: StringRule = { maxLength: 512, pattern: /^[\x21-\x7e]+$/, patternHint: 'printable ASCII' };
/** What openMpcSession answers: 16 random bytes in base64url. */
const SESSION_ID_RULE: StringRule = { maxLength: 22, pattern: /^[A-Za-z0-9_-]{22}$/, patternHint: 'a session id' };
/** HPKE's encapsulated X25519 key is 32 bytes; a sealed 33-byte share 49. Bounded generously, checked exactly by openShare. */
const BASE64URL_RULE: StringRule = { maxLength: 512, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'base64url' };

/**
 * Parses a request as the enclave receives it, or throws ENCLAVE.BAD_REQUEST naming the field (never
 * its value: a credential might be in it).
 */
export function parseEnclaveRequest(input: unknown): EnclaveRequest {
  try {
    return parse(input);
  } catch (cause) {
    if (cause instanceof EnclaveError) throw cause;
    if (cause instanceof StrongroomError) throw new EnclaveError('ENCLAVE.BAD_REQUEST', cause.message);
    throw cause;
  }
}

function parse(input: unknown): EnclaveRequest {
  const raw = expectObject(input, 'request');
  const op = raw.op;
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op)) {
    throw new EnclaveError('ENCLAVE.BAD_REQUEST', `request.op: must be one of ${Object.keys(FIELDS).join(', ')}`);
  }
  rejectUnknownFields(raw, FIELDS[op as EnclaveRequest['op']], 'request');
  switch (op as EnclaveRequest['op']) {
    case 'health':
      return { op: 'health' };
    case 'createAgentKey':
      return {
        op: 'createAgentKey',
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        credentials: parseCredentials(raw.credentials, 'request.credentials'),
      };
    case 'rotateAgentKey':
      return {
        op: 'rotateAgentKey',
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        current: parseSealedKey(raw.current, 'request.current'),
        credentials: parseCredentials(raw.credentials, 'request.credentials'),
      };
    case 'sign':
      if (raw.proof === undefined) throw new EnclaveError('ENCLAVE.BAD_REQUEST', 'request.proof: is required');
      return {
        op: 'sign',
        transferId: requireString(raw, 'transferId', 'request', ID_RULE),
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        proof: raw.proof,
        proofSignature: signature(raw.proofSignature, 'request.proofSignature'),
        sealedKey: parseSealedKey(raw.sealedKey, 'request.sealedKey'),
        credentials: parseCredentials(raw.credentials, 'request.credentials'),
      };
    case 'createMpcKey':
      return {
        op: 'createMpcKey',
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        recoveryPublicKey: recoveryPublicKey(raw.recoveryPublicKey, 'request.recoveryPublicKey'),
        credentials: parseCredentials(raw.credentials, 'request.credentials'),
      };
    case 'openMpcSession':
      return {
        op: 'openMpcSession',
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        jobId: requireString(raw, 'jobId', 'request', JOB_ID_RULE),
      };
    case 'signMpc':
      if (raw.proof === undefined) throw new EnclaveError('ENCLAVE.BAD_REQUEST', 'request.proof: is required');
      return {
        op: 'signMpc',
        transferId: requireString(raw, 'transferId', 'request', ID_RULE),
        walletId: requireString(raw, 'walletId', 'request', ID_RULE),
        jobId: requireString(raw, 'jobId', 'request', JOB_ID_RULE),
        sessionId: requireString(raw, 'sessionId', 'request', SESSION_ID_RULE),
        proof: raw.proof,
        proofSignature: signature(raw.proofSignature, 'request.proofSignature'),
        sealedShare: parseSealedKey(raw.sealedShare, 'request.sealedShare'),
        releasedShare: parseHpkeSealed(raw.releasedShare, 'request.releasedShare'),
        credentials: parseCredentials(raw.credentials, 'request.credentials'),
      };
  }
}

/** A sealed key as the host stores it; its context is checked against the request by the enclave. */
export function parseSealedKey(input: unknown, path: string): SealedKey {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, SEALED_KEY_FIELDS, path);
  if (raw.format !== 'strongroom.sealed.v1') fail(join(path, 'format'), 'must be strongroom.sealed.v1');
  return {
    format: 'strongroom.sealed.v1',
    context: parseSealContext(raw.context, join(path, 'context')),
    address: parseAddress(raw.address, join(path, 'address')),
    encryptedDataKey: requireString(raw, 'encryptedDataKey', path, BASE64_RULE),
    iv: requireString(raw, 'iv', path, BASE64_RULE),
    ciphertext: requireString(raw, 'ciphertext', path, BASE64_RULE),
  };
}

function parseSealContext(input: unknown, path: string): SealContext {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, CONTEXT_FIELDS, path);
  const purpose = PURPOSES.find((known) => known === raw.purpose);
  if (purpose === undefined) fail(join(path, 'purpose'), `must be one of ${PURPOSES.join(', ')}`);
  return {
    deployment: requireString(raw, 'deployment', path, DEPLOYMENT_RULE),
    walletId: requireString(raw, 'walletId', path, ID_RULE),
    purpose,
    version: requireString(raw, 'version', path, VERSION_RULE),
  };
}

/** Share 2 as the co-signer released it; whether it is for this wallet, address and epoch is the enclave's to check. */
function parseHpkeSealed(input: unknown, path: string): HpkeSealed {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, HPKE_SEALED_FIELDS, path);
  if (raw.format !== HPKE_SHARE_FORMAT) fail(join(path, 'format'), `must be ${HPKE_SHARE_FORMAT}`);
  const contextPath = join(path, 'context');
  const context = expectObject(raw.context, contextPath);
  rejectUnknownFields(context, SHARE_CONTEXT_FIELDS, contextPath);
  const share = context.share;
  if (share !== '1' && share !== '2' && share !== '3') fail(join(contextPath, 'share'), "must be '1', '2' or '3'");
  return {
    format: HPKE_SHARE_FORMAT,
    context: {
      deployment: requireString(context, 'deployment', contextPath, DEPLOYMENT_RULE),
      walletId: requireString(context, 'walletId', contextPath, ID_RULE),
      address: shareAddress(context.address, join(contextPath, 'address')),
      epoch: requireString(context, 'epoch', contextPath, VERSION_RULE),
      share,
    },
    enc: base64url(raw, 'enc', path),
    ciphertext: base64url(raw, 'ciphertext', path),
  };
}

/** Checked, but kept as spelled: the context is HPKE's aad, authenticated byte for byte. */
function shareAddress(value: unknown, field: string): Hex {
  parseAddress(value, field);
  return value as Hex;
}

function base64url(raw: UncheckedObject, name: string, path: string): string {
  const value = requireString(raw, name, path, BASE64URL_RULE);
  if (decodeBase64url(value) === undefined) fail(join(path, name), 'must be canonical base64url');
  return value;
}

/** 32 bytes of X25519 in base64url, not a low-order point: the shares' own check, as a BAD_REQUEST. */
function recoveryPublicKey(value: unknown, field: string): string {
  try {
    parseRecoveryPublicKey(value);
  } catch (cause) {
    if (isShareError(cause)) fail(field, cause.message);
    throw cause;
  }
  return value as string;
}

function parseCredentials(input: unknown, path: string): KmsCredentials {
  const raw: UncheckedObject = expectObject(input, path);
  rejectUnknownFields(raw, CREDENTIAL_FIELDS, path);
  const accessKeyId = requireString(raw, 'accessKeyId', path, CREDENTIAL_RULE);
  const secretAccessKey = requireString(raw, 'secretAccessKey', path, CREDENTIAL_RULE);
  if (raw.sessionToken === undefined) return { accessKeyId, secretAccessKey };
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken: checkString(raw.sessionToken, join(path, 'sessionToken'), CREDENTIAL_RULE),
  };
}

function signature(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !SIGNATURE.test(value)) fail(field, 'must be 65 bytes of 0x-hex (r ‖ s ‖ v)');
  return value as Hex;
}

function fail(field: string, reason: string): never {
  throw new EnclaveError('ENCLAVE.BAD_REQUEST', `${field}: ${reason}`);
}
