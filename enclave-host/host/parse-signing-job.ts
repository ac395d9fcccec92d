import type { AgentKeyJob, MpcKeyJob, SealedKey, SealPurpose, SigningJob } from '../contract';
import { isShareError } from '../shares/share-error';
import { parseRecoveryPublicKey } from '../shares/hpke-share';

/** A `QueueJob` as the host reads it: `kind` always set (a body without it is a signing job). */
export type ParsedQueueJob = (SigningJob & { readonly kind: 'sign' }) | AgentKeyJob | MpcKeyJob;

/** A body that is a valid job, or why not (a field name and a rule, never a value from the body). */
export type ParsedSigningJob =
  | { readonly ok: true; readonly job: ParsedQueueJob }
  | {
      readonly ok: false;
      readonly reason: string;
      /** The task token, when the body is a JSON object whose `taskToken` is a well-formed token. */
      readonly taskToken?: string;
    };

const SIGNING_JOB_KEYS = new Set([
  'kind',
  'jobId',
  'taskToken',
  'transferId',
  'walletId',
  'proof',
  'proofSignature',
  'sealedKey',
  'scheme',
]);
const KEY_JOB_KEYS = new Set(['kind', 'jobId', 'taskToken', 'walletId']);
const MPC_KEY_JOB_KEYS = new Set([...KEY_JOB_KEYS, 'recoveryPublicKey']);
const JOB_KEYS: Readonly<Record<ParsedQueueJob['kind'], ReadonlySet<string>>> = {
  sign: SIGNING_JOB_KEYS,
  createAgentKey: KEY_JOB_KEYS,
  createMpcKey: MPC_KEY_JOB_KEYS,
};
const SEALED_KEY_KEYS = new Set(['format', 'context', 'address', 'encryptedDataKey', 'iv', 'ciphertext']);
const CONTEXT_KEYS = new Set(['deployment', 'walletId', 'purpose', 'version']);
const IDENTIFIER = /^[\x21-\x7e]{1,256}$/;
const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const VERSION = /^[1-9][0-9]{0,8}$/;
/** Step Functions task tokens are 1 to 2048 characters (SendTaskSuccess's own constraint). */
const MAX_TOKEN_LENGTH = 2048;

class Refused extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) throw new Refused(`${where} has an unexpected field`);
}

function text(value: Record<string, unknown>, key: string, pattern: RegExp, where = key): string {
  const field = value[key];
  if (typeof field !== 'string') throw new Refused(`${where} is missing or not a string`);
  if (!pattern.test(field)) throw new Refused(`${where} is malformed`);
  return field;
}

const isJobKind = (value: unknown): value is ParsedQueueJob['kind'] =>
  typeof value === 'string' && Object.hasOwn(JOB_KEYS, value);

/**
 * The customer's recovery key (X25519, base64url without padding, 32 bytes, not a low-order point), as
 * the enclave will check it: a key it would refuse is refused here, before any claim. The reason names
 * the rule only (a public key, but the body is never quoted).
 */
function recoveryPublicKeyOf(value: Record<string, unknown>): string {
  try {
    parseRecoveryPublicKey(value.recoveryPublicKey);
  } catch (error) {
    if (isShareError(error)) throw new Refused(error.message);
    throw error;
  }
  return value.recoveryPublicKey as string;
}

function readableToken(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const token = value.taskToken;
  return typeof token === 'string' && token.length >= 1 && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

/**
 * A sealed key of the given purpose, strictly (throws with the field that is wrong). Also read back
 * from the job ledger in `created` answers (an agent key).
 */
export function sealedKeyOf(value: unknown, purpose: SealPurpose = 'agent-key'): SealedKey {
  if (!isRecord(value)) throw new Refused('sealedKey is not an object');
  onlyKeys(value, SEALED_KEY_KEYS, 'sealedKey');
  if (value.format !== 'strongroom.sealed.v1') throw new Refused('sealedKey.format is not strongroom.sealed.v1');
  const context = value.context;
  if (!isRecord(context)) throw new Refused('sealedKey.context is not an object');
  onlyKeys(context, CONTEXT_KEYS, 'sealedKey.context');
  if (context.purpose !== purpose) throw new Refused(`sealedKey.context.purpose is not ${purpose}`);
  return {
    format: 'strongroom.sealed.v1',
    context: {
      deployment: text(context, 'deployment', IDENTIFIER, 'sealedKey.context.deployment'),
      walletId: text(context, 'walletId', IDENTIFIER, 'sealedKey.context.walletId'),
      purpose,
      version: text(context, 'version', VERSION, 'sealedKey.context.version'),
    },
    address: text(value, 'address', ADDRESS, 'sealedKey.address') as SealedKey['address'],
    encryptedDataKey: text(value, 'encryptedDataKey', BASE64, 'sealedKey.encryptedDataKey'),
    iv: text(value, 'iv', BASE64, 'sealedKey.iv'),
    ciphertext: text(value, 'ciphertext', BASE64, 'sealedKey.ciphertext'),
  };
}

/**
 * Reads one signing-queue message body as a job, strictly: a signing job (`kind: 'sign'`, or no
 * `kind`, as the messages sent before key jobs existed; `scheme: 'mpc'` for an mpc wallet's, whose
 * sealed key is its share 1, purpose 'key-share'; `scheme: 'enclave'` or none for an enclave wallet's)
 * or a key job (`kind: 'createAgentKey'`, or `'createMpcKey'` with the customer's recovery key), every
 * field of the contract present with its shape, nothing else (an unknown field means the sender and
 * the host disagree on the contract, and guessing is how a job gets signed wrongly). Only the shape is
 * checked here; whether the proof authorizes this transaction, and whether the sealed key belongs to
 * the wallet, is the enclave's decision, which it answers with its own error codes.
 *
 * The job id is checked against the job's own fields, since the job ledger keys every claim and
 * answer by it: a job id naming another transfer or wallet would let one task be answered with
 * another's signature or key.
 *
 * The reason never quotes the body: the body holds a task token.
 */
export function parseSigningJob(body: string | undefined): ParsedSigningJob {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const taskToken = readableToken(value);
  const refused = (reason: string): ParsedSigningJob =>
    taskToken === undefined ? { ok: false, reason } : { ok: false, reason, taskToken };
  if (!isRecord(value)) return refused('the body is not a JSON object');
  try {
    const kind = value.kind ?? 'sign';
    if (!isJobKind(kind)) throw new Refused('kind is not sign, createAgentKey or createMpcKey');
    onlyKeys(value, JOB_KEYS[kind], 'the job');
    if (taskToken === undefined) throw new Refused('taskToken is missing or malformed');
    const walletId = text(value, 'walletId', IDENTIFIER);
    const jobId = text(value, 'jobId', /^[\x21-\x7e]{1,512}$/);
    if (kind !== 'sign') {
      // One key per wallet, whatever its scheme: the ledger answers every delivery of `wallet:<id>` with
      // the first key made (and the host never answers a key job with a key of the other scheme).
      if (jobId !== `wallet:${walletId}`) throw new Refused('jobId is not wallet:walletId');
      if (kind === 'createAgentKey') return { ok: true, job: { kind, jobId, taskToken, walletId } };
      const recoveryPublicKey = recoveryPublicKeyOf(value);
      return { ok: true, job: { kind, jobId, taskToken, walletId, recoveryPublicKey } };
    }
    const transferId = text(value, 'transferId', IDENTIFIER);
    // `${transferId}:${attempt}:${proofId}`.
    if (!jobId.startsWith(`${transferId}:`) || jobId.split(':').length - transferId.split(':').length !== 2)
      throw new Refused('jobId is not transferId:attempt:proofId');
    if (value.proof === null || typeof value.proof !== 'object') throw new Refused('proof is not an object');
    const proofSignature = text(value, 'proofSignature', HEX) as SigningJob['proofSignature'];
    // An mpc wallet's job carries its sealed share 1, an enclave wallet's its sealed key: a job whose
    // scheme and sealed record disagree was built wrongly, and the enclave would refuse it anyway.
    // 'enclave' or absent (the messages sent before `scheme` existed): an enclave wallet's job.
    const scheme = value.scheme;
    if (scheme !== undefined && scheme !== 'enclave' && scheme !== 'mpc')
      throw new Refused('scheme is not enclave or mpc');
    const mpc = scheme === 'mpc';
    const sealedKey = sealedKeyOf(value.sealedKey, mpc ? 'key-share' : 'agent-key');
    const job: ParsedQueueJob = {
      kind,
      jobId,
      taskToken,
      transferId,
      walletId,
      proof: value.proof,
      proofSignature,
      sealedKey,
    };
    return { ok: true, job: scheme === undefined ? job : { ...job, scheme } };
  } catch (error) {
    if (error instanceof Refused) return refused(error.message);
    throw error;
  }
}
