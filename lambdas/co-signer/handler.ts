import { Logger } from '@aws-lambda-powertools/logger';
import type {
  CoSignerInvocation,
  CoSignerRegistrationAnswer,
  CoSignerReleaseAnswer,
  CoSignerReleaseRequest,
} from '../../enclave-host/contract';
import { composeCoSigner, type CoSignerDeps } from './co-signer-composition';
import { ShareUnreadableError } from './domain/share-unreadable';
import { registerShare } from './register-share';
import { releaseShare } from './release-share';
import { retireShare, type RetireShareAnswer } from './retire-share';

/** A refusal of the event itself: its `op` or its fields, named. */
type BadRequest = { readonly ok: false; readonly code: 'COSIGNER.BAD_REQUEST'; readonly message: string };

/** What the function answers: each use case's answer, a bad request, or a share that does not open (final). */
export type CoSignerAnswer =
  | CoSignerReleaseAnswer
  | CoSignerRegistrationAnswer
  | RetireShareAnswer
  | BadRequest
  | { readonly ok: false; readonly code: 'COSIGNER.SHARE_UNREADABLE'; readonly message: string };

/** Each op's fields beside `op` (enclave-host/contract.ts `CoSignerInvocation`): no other is accepted. */
const FIELDS: { readonly [Op in CoSignerInvocation['op']]: readonly string[] } = {
  release: ['request'],
  register: ['coSignerShare', 'attestation', 'recoveryShareCiphertext'],
  retire: ['walletId', 'epoch', 'reason'],
};

const logger = new Logger({ serviceName: 'strongroom-co-signer' });

/**
 * The co-signer function over its dependencies: parses the event, runs one use case, answers. A refusal
 * is an answer (`ok: false`, a code), so is a share that does not open under the co-signer's key and its
 * own context (COSIGNER.SHARE_UNREADABLE: asking again gives the same); a failure of the table or KMS
 * throws, which Lambda reports as a function error and callers read as "unavailable". The log carries
 * the op, identifiers and the outcome or code: never a share, a ciphertext, a proof or an attestation.
 */
export function coSignerHandler(deps: CoSignerDeps, log: Logger = logger) {
  return async (event: unknown): Promise<CoSignerAnswer> => {
    const op = opOf(event);
    if (typeof op === 'object') {
      log.warn('co-signer refused a malformed event', { code: op.code, reason: op.message });
      return op;
    }
    const fields = event as Readonly<Record<string, unknown>>;
    const ids = identifiersOf(op, fields);
    try {
      const answer = await dispatch(deps, op, fields);
      if (answer.ok)
        log.info('co-signer answered', { ...ids, outcome: 'outcome' in answer ? answer.outcome : 'released' });
      else log.warn('co-signer refused', { ...ids, code: answer.code, reason: answer.message });
      return answer;
    } catch (error) {
      if (error instanceof ShareUnreadableError) {
        // Not an outage: the stored share was never the enclave's for this context, or was altered since.
        log.error('co-signer share does not open: refused', { ...ids, code: error.code, reason: error.reason });
        return { ok: false, code: error.code, message: error.message };
      }
      log.error('co-signer failed: a dependency', { ...ids, error: error instanceof Error ? error.name : 'unknown' });
      throw error;
    }
  };
}

function dispatch(
  deps: CoSignerDeps,
  op: CoSignerInvocation['op'],
  event: Readonly<Record<string, unknown>>,
): Promise<CoSignerAnswer> {
  switch (op) {
    case 'release':
      // The use case parses the request field by field (BAD_REQUEST naming it): a non-object fails there too.
      return releaseShare(deps, event.request as CoSignerReleaseRequest);
    case 'register':
      return registerShare(deps, {
        coSignerShare: event.coSignerShare,
        attestation: event.attestation,
        recoveryShareCiphertext: event.recoveryShareCiphertext,
      });
    case 'retire':
      return retireShare(deps, { walletId: event.walletId, epoch: event.epoch, reason: event.reason });
  }
}

/** The event's op, once its fields are exactly that op's; otherwise the BAD_REQUEST naming the field. */
function opOf(event: unknown): CoSignerInvocation['op'] | BadRequest {
  const bad = (message: string): BadRequest => ({ ok: false, code: 'COSIGNER.BAD_REQUEST', message });
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return bad('event: must be a JSON object');
  const { op } = event as { op?: unknown };
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op))
    return bad(`op: must be one of ${Object.keys(FIELDS).join(', ')}`);
  const allowed = FIELDS[op as CoSignerInvocation['op']];
  const unknown = Object.keys(event).find((key) => key !== 'op' && !allowed.includes(key));
  if (unknown !== undefined) return bad(`${unknown}: is not a field of op ${op} (allowed: ${allowed.join(', ')})`);
  return op as CoSignerInvocation['op'];
}

/** The identifiers worth a log line, where the event carries them as short strings: nothing else of it. */
function identifiersOf(op: string, event: Readonly<Record<string, unknown>>): Record<string, string> {
  const id = (value: unknown): string | undefined =>
    typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,160}$/.test(value) ? value : undefined;
  const nested = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const context = nested(event.coSignerShare, 'context');
  const found = {
    walletId: id(event.walletId) ?? id(nested(event.request, 'walletId')) ?? id(nested(context, 'walletId')),
    jobId: id(nested(event.request, 'jobId')),
    epoch: id(event.epoch) ?? id(nested(context, 'epoch')),
  };
  return {
    op,
    ...Object.fromEntries(Object.entries(found).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
}

/**
 * The deployed function: composed from its own environment once per execution environment. In Lambda
 * the composition runs while the module loads (the cold start's init), so a missing or malformed
 * variable fails the init, naming it; elsewhere (tests import the module for `coSignerHandler`) only at
 * the first call.
 */
let composed: ReturnType<typeof coSignerHandler> | undefined;
const compose = () => (composed ??= coSignerHandler(composeCoSigner(process.env)));
if (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined) compose();

export const handler = async (event: unknown): Promise<CoSignerAnswer> => compose()(event);
