import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { isAddress, type Hex } from 'viem';
import type { AttestationVerifier, PcrValues } from '../../../enclave-host/contract';
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
   * How long `createAgentKey` waits for the execution to end (default 20 s): the API function must
   * answer within API Gateway's 29 s, with time left to verify and register.
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

/** The execution that makes `walletId`'s key: one name per wallet, so a retried creation finds it again. */
export const agentKeyExecutionName = (walletId: string): string => `agent-key-${walletId}`;

/**
 * The enclave as a Lambda function reaches it (ARCHITECTURE.md §6): through the agent-key provisioning
 * state machine, whose one task puts an `AgentKeyJob` on the signing queue and waits for the enclave
 * host's callback, as the transfer workflow's Sign does. The function has no network path to the
 * host, and needs none: it starts the execution and reads its output.
 *
 * The execution is named after the wallet. Starting a Standard execution again with the same name and
 * input while it runs answers the same execution; once it has closed, ExecutionAlreadyExists, and its
 * output is read instead. So a request retried under the same Idempotency-Key (the same wallet id)
 * gets the key of the first attempt, never a second one. Nothing the host returns counts until
 * `verifyAttestation` accepts the enclave's document; nothing in the output is secret.
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
          input: JSON.stringify({ walletId }),
        }),
        { abortSignal },
      );
    } catch (error) {
      // Closed already (an earlier attempt of this creation): its output is what we want.
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
      if (described.status === 'SUCCEEDED') return createdAgentKeyOf(described.output, walletId);
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
 * The execution's output as a CreatedAgentKey, its shape checked: the host that carried it is not
 * trusted, so a malformed answer is refused here and a well-formed one is still only believed once
 * the use case has checked its sealing context and its attestation.
 */
function createdAgentKeyOf(output: string | undefined, walletId: string): CreatedAgentKey {
  const refuse = (why: string): never => {
    throw new StrongroomError('ENCLAVE.ATTESTATION_INVALID', `the key job's answer for wallet ${walletId} ${why}`, {
      details: { walletId },
    });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(output ?? '');
  } catch {
    return refuse('is not JSON');
  }
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
