import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { isAddress, type Hex } from 'viem';
import type {
  AgentKeyJob,
  AttestationVerifier,
  CreatedMpcKey,
  MpcKeyJob,
  PcrValues,
  RecoveryPublicKey,
} from '../../../enclave-host/contract';
import { createdMpcKeyOf } from '../../../enclave-host/host/job-answer';
import { DependencyUnavailableError, StrongroomError } from '../../domain/errors';
import type { AgentKeys, CreatedAgentKey } from '../../ports/agent-keys';
import { executionArnOf } from '../sfn/sfn-workflow-engine';
import { verifyAgentKeyAttestation } from './verify-agent-key-attestation';

export interface QueuedAgentKeysOptions {
  /** The agent-key provisioning state machine (statemachines/agent-key.asl.json). */
  readonly stateMachineArn: string;
  /** The deployment's verifier: production mode (the AWS Nitro root pinned) in every deployment. */
  readonly verifier: AttestationVerifier;
  /** The deployment's image measurements (PCR0, PCR1, PCR2, maybe PCR8), from the enclave context at synth. */
  readonly pcrs: PcrValues;
  /**
   * How long `createAgentKey` and `createMpcKey` wait for the execution to end (default 20 s): the API
   * function must answer within API Gateway's 29 s, with time left to verify and register.
   */
  readonly waitMs?: number;
  /** The pause between two DescribeExecution calls: the first, then growing by half up to the last (ms). */
  readonly pollMs?: { readonly first: number; readonly max: number };
  readonly clock?: () => Date;
}

const DEFAULT_WAIT_MS = 20_000;
const DEFAULT_POLL_MS = { first: 250, max: 2_000 };
/**
 * How old a key's attestation may be when the wallet is registered. It is made once, when the enclave
 * makes the key, and a retried request reads it again from the execution's output: an hour covers the
 * job's TimeoutSeconds (900) and a client's retries. Its user data binds (deployment, wallet, address),
 * so an older document could only vouch for this very wallet's key again, never for another.
 */
export const AGENT_KEY_ATTESTATION_MAX_AGE_SECONDS = 3_600;

/**
 * The execution that makes `walletId`'s key, whatever its scheme: one name per wallet (a wallet has
 * one key), so a retried creation finds it again, and the wallets function's DescribeExecution grant
 * names one prefix.
 */
export const agentKeyExecutionName = (walletId: string): string => `agent-key-${walletId}`;

/**
 * The provisioning execution's input (statemachines/agent-key.asl.json): its Choice sends the key job
 * of this `kind`, the recovery key in an mpc key's job. An input without `kind` (started before mpc
 * keys existed) is an agent key's.
 */
export type KeyJobInput =
  | { readonly kind: AgentKeyJob['kind']; readonly walletId: string }
  | { readonly kind: MpcKeyJob['kind']; readonly walletId: string; readonly recoveryPublicKey: RecoveryPublicKey };

/**
 * The enclave as a Lambda function reaches it (ARCHITECTURE.md §6): through the agent-key provisioning
 * state machine, whose task puts a key job (`AgentKeyJob`, or `MpcKeyJob` for an mpc wallet) on the
 * signing queue and waits for the enclave host's callback, as the transfer workflow's Sign does. The
 * function has no network path to the host, and needs none: it starts the execution and reads its
 * output.
 *
 * The execution is named after the wallet. Starting a Standard execution again with the same name and
 * input while it runs answers the same execution; once it has closed, or when the input differs,
 * ExecutionAlreadyExists, and that execution is read instead. So a request retried under the same
 * Idempotency-Key (the same wallet id) gets the key of the first attempt, never a second one; and the
 * execution's input is compared with this request's, so a key of another scheme, or shares for another
 * recovery key, are never taken for this one's (409 IDEMPOTENCY.KEY_REUSED). Nothing the host returns
 * counts until `verifyAttestation` accepts the enclave's document; nothing in the output is secret
 * (for an mpc key: share 1 sealed to the enclave, share 2 under the co-signer's key, share 3 encrypted
 * to the customer's recovery key).
 */
export class QueuedAgentKeys implements AgentKeys {
  private readonly waitMs: number;
  private readonly pollMs: { readonly first: number; readonly max: number };
  private readonly clock: () => Date;

  constructor(
    private readonly client: SFNClient,
    private readonly options: QueuedAgentKeysOptions,
  ) {
    executionArnOf(options.stateMachineArn, 'check'); // a malformed ARN fails the cold start
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  async createAgentKey(walletId: string): Promise<CreatedAgentKey> {
    return createdAgentKeyOf(await this.runKeyJob({ kind: 'createAgentKey', walletId }), walletId);
  }

  async createMpcKey(walletId: string, recoveryPublicKey: RecoveryPublicKey): Promise<CreatedMpcKey> {
    const output = await this.runKeyJob({ kind: 'createMpcKey', walletId, recoveryPublicKey });
    return createdMpcKeyFrom(output, walletId);
  }

  /** Starts (or finds) the wallet's key job and waits for its output, within `waitMs`. */
  private async runKeyJob(input: KeyJobInput): Promise<string | undefined> {
    const { walletId } = input;
    const deadline = Date.now() + this.waitMs;
    // Every call is cut off at the deadline: the SDK's own retries (throttling, 5xx) run inside it.
    const abortSignal = AbortSignal.timeout(this.waitMs);
    const name = agentKeyExecutionName(walletId);
    const executionArn = executionArnOf(this.options.stateMachineArn, name);
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
        { abortSignal },
      );
    } catch (error) {
      // Closed already (an earlier attempt of this creation), or started with another input: read it.
      if (!(error instanceof ExecutionAlreadyExists)) throw unavailable(walletId, 'its key job could not start', error);
    }
    let pause = this.pollMs.first;
    for (;;) {
      let described: DescribeExecutionCommandOutput;
      try {
        described = await this.client.send(new DescribeExecutionCommand({ executionArn }), { abortSignal });
      } catch (error) {
        throw unavailable(walletId, 'its key job could not be read', error);
      }
      if (!sameKeyJob(described.input, input))
        throw new StrongroomError(
          'IDEMPOTENCY.KEY_REUSED',
          `wallet ${walletId}'s key job was started for another key scheme or recovery key: this Idempotency-Key was already used with a different request body`,
          { details: { walletId } },
        );
      if (described.status === 'SUCCEEDED') return described.output;
      if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE')
        throw new DependencyUnavailableError(
          'ENCLAVE.UNAVAILABLE',
          `the enclave made no key for wallet ${walletId}: its key job ended ${String(described.status)} (${described.error ?? 'no error'}); nothing was registered, create the wallet again under a new Idempotency-Key`,
          { details: { walletId, jobStatus: String(described.status), ...errorDetail(described.error) } },
        );
      if (Date.now() + pause > deadline)
        throw new DependencyUnavailableError(
          'ENCLAVE.UNAVAILABLE',
          `the enclave has not answered for wallet ${walletId} within ${Math.round(this.waitMs / 1000)} s; nothing was registered: send the same request again with the same Idempotency-Key to pick up its key`,
          { details: { walletId, jobStatus: 'RUNNING' } },
        );
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(this.pollMs.max, Math.round(pause * 1.5));
    }
  }

  verifyAttestation(document: Uint8Array, userData: Hex): Promise<void> {
    return verifyAgentKeyAttestation(
      this.options.verifier,
      { pcrs: this.options.pcrs, now: this.clock(), maxAgeSeconds: AGENT_KEY_ATTESTATION_MAX_AGE_SECONDS },
      document,
      userData,
    );
  }
}

/** The enclave's error code, when the host failed the task with one (never anything secret: a code). */
function errorDetail(error: string | undefined): { readonly enclaveCode?: string } {
  return error !== undefined && /^[A-Za-z0-9_.]{1,64}$/.test(error) ? { enclaveCode: error } : {};
}

function unavailable(walletId: string, what: string, cause: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError(
    'ENCLAVE.UNAVAILABLE',
    `wallet ${walletId}: ${what} (${(cause as Error).name}); nothing was registered`,
    { cause, details: { walletId } },
  );
}

/**
 * Whether an execution was started for this key job: the same kind (none: an agent key's, as started
 * before mpc keys existed) and, for an mpc key, the same recovery key. The wallet id is the name's.
 * An input that cannot be read is not this job's.
 */
function sameKeyJob(executionInput: string | undefined, input: KeyJobInput): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(executionInput ?? '');
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const started = parsed as Record<string, unknown>;
  if ((started.kind ?? 'createAgentKey') !== input.kind || started.walletId !== input.walletId) return false;
  return input.kind === 'createAgentKey' || started.recoveryPublicKey === input.recoveryPublicKey;
}

/**
 * The execution's output as a CreatedMpcKey, checked strictly (enclave-host/host/job-answer.ts, the
 * same check the host made before storing it): every share closed and well formed, all three bound to
 * this wallet, one address and one epoch. The host that carried it is not trusted: the use case still
 * checks the contexts' deployment and the attestation before anything is registered.
 */
function createdMpcKeyFrom(output: string | undefined, walletId: string): CreatedMpcKey {
  const refuse = refusal(`the mpc key job's answer for wallet ${walletId}`, walletId);
  const parsed = jsonOf(output, refuse);
  const created = createdMpcKeyOf(parsed);
  if (created === undefined) return refuse('is not a well-formed mpc key (address, epoch and three shares)');
  if (created.sealedShare.context.walletId !== walletId) return refuse('holds shares of another wallet');
  return created;
}

/**
 * The execution's output as a CreatedAgentKey, its shape checked: the host that carried it is not
 * trusted, so a malformed answer is refused here and a well-formed one is still only believed once
 * the use case has checked its sealing context and its attestation.
 */
function createdAgentKeyOf(output: string | undefined, walletId: string): CreatedAgentKey {
  const refuse = refusal(`the key job's answer for wallet ${walletId}`, walletId);
  const parsed = jsonOf(output, refuse);
  if (typeof parsed !== 'object' || parsed === null) return refuse('is not an object');
  const { address, sealedKey, attestation } = parsed as Record<string, unknown>;
  if (typeof address !== 'string' || !isAddress(address, { strict: false })) return refuse('has no address');
  if (typeof attestation !== 'string' || attestation.length === 0) return refuse('has no attestation');
  if (typeof sealedKey !== 'object' || sealedKey === null) return refuse('has no sealed key');
  const sealed = sealedKey as Record<string, unknown>;
  const context = sealed.context as Record<string, unknown> | undefined;
  if (
    sealed.format !== 'strongroom.sealed.v1' ||
    typeof context !== 'object' ||
    context === null ||
    ['deployment', 'walletId', 'purpose', 'version'].some((field) => typeof context[field] !== 'string') ||
    ['address', 'encryptedDataKey', 'iv', 'ciphertext'].some((field) => typeof sealed[field] !== 'string')
  )
    return refuse('has a malformed sealed key');
  return { address, sealedKey, attestation } as unknown as CreatedAgentKey;
}

/** A refusal of a key job's answer: ENCLAVE.ATTESTATION_INVALID, `what` and why. */
const refusal =
  (what: string, walletId: string) =>
  (why: string): never => {
    throw new StrongroomError('ENCLAVE.ATTESTATION_INVALID', `${what} ${why}`, { details: { walletId } });
  };

/** The execution's output parsed, or refused as not JSON. */
function jsonOf(output: string | undefined, refuse: (why: string) => never): unknown {
  try {
    return JSON.parse(output ?? '') as unknown;
  } catch {
    return refuse('is not JSON');
  }
}
