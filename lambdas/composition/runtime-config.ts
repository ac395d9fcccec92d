import { parseAddress, type Address } from '../domain/address';
import { parseChainConfig, type ChainConfig } from '../domain/chain/chain-config';
import { parseAmount } from '../domain/money';
import { TABLE_NAMES, type TableName, type TableNames } from '../adapters/dynamodb/table-schema';
import type { AgentKeyProvisioning } from '../adapters/enclave/cloud-agent-keys';
import { parseSecureUrl } from './secure-url';

/** Where keys and sealed secrets live: KMS in the cloud, the encrypted local vault on one machine. */
export type KeyBackend =
  | { readonly kind: 'kms' }
  | {
      readonly kind: 'local';
      readonly vaultDirectory?: string;
      readonly passphrase: string;
      readonly sealerKey: Buffer;
      readonly weakKdfForTests: boolean;
    };

/**
 * The value every deployment gives `STRONGROOM_ENCLAVE_ATTESTATION_ROOT` (lib/workflow/agent-key-workflow.ts
 * writes it as a literal): enclave attestations must chain to the AWS Nitro Enclaves root G1, which the
 * verifier pins in its own code.
 */
export const AWS_NITRO_ATTESTATION_ROOT = 'aws-nitro-enclaves-root-g1';

/** Whether the SDK's endpoint for a service is on this machine (a stand-in), not the regional service. */
function isLoopbackUrl(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    return ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** A variable the deployment must set: its absence fails the cold start, loudly. */
function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`configuration: ${name} is not set`);
  return value;
}

function json(env: NodeJS.ProcessEnv, name: string, fallback?: unknown): unknown {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`configuration: ${name} is not set`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new Error(`configuration: ${name} is not valid JSON`);
  }
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  // Whole seconds: a state machine's Wait (SecondsPath) takes nothing else, here or in Step Functions.
  if (!Number.isInteger(value) || value < 1 || value > 86_400)
    throw new Error(`configuration: ${name} must be a whole number of seconds from 1 to 86400`);
  return value;
}

/** A Lambda function's name, or its ARN (unqualified or with a version or alias), as Invoke takes it. */
const LAMBDA_FUNCTION =
  /^(arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/;

/**
 * The enclave image's PCRs from `STRONGROOM_ENCLAVE_PCRS` (an object of PCR index to hex): PCR0, 1 and
 * 2 required, 8 allowed, each 96 lowercase hex characters and not all zero (a debug enclave). Read by
 * every function that verifies an enclave's attestation: the wallets function and the co-signer.
 */
export function readEnclavePcrs(env: NodeJS.ProcessEnv): Readonly<Record<number, string>> {
  const name = 'STRONGROOM_ENCLAVE_PCRS';
  const raw = json(env, name);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`configuration: ${name} must be an object of PCR index to hex`);
  const pcrs: Record<number, string> = {};
  for (const [index, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^(0|1|2|8)$/.test(index)) throw new Error(`configuration: ${name} has PCR ${index}; only 0, 1, 2 and 8`);
    if (typeof value !== 'string' || !/^[0-9a-f]{96}$/.test(value) || /^0+$/.test(value))
      throw new Error(`configuration: ${name}.${index} must be 96 lowercase hex characters, not all zero`);
    pcrs[Number(index)] = value;
  }
  for (const index of [0, 1, 2])
    if (pcrs[index] === undefined) throw new Error(`configuration: ${name}.${index} is not set`);
  return pcrs;
}

/**
 * The attestation root from `STRONGROOM_ENCLAVE_ATTESTATION_ROOT`: {@link AWS_NITRO_ATTESTATION_ROOT} in
 * every template the CDK writes. A test root (a PEM, which only the deployment rehearsal puts there) is
 * refused unless each of `loopback.variables` (or AWS_ENDPOINT_URL) points the SDK at a loopback
 * stand-in of a service the function cannot work without: a deployed function that reaches the
 * regional services cannot be made to trust a root other than AWS's, even by an edited variable.
 */
export function readAttestationRoot(
  env: NodeJS.ProcessEnv,
  loopback: { readonly variables: readonly string[]; readonly service: string },
): AgentKeyProvisioning['attestationRoot'] {
  const name = 'STRONGROOM_ENCLAVE_ATTESTATION_ROOT';
  const raw = required(env, name);
  if (raw === AWS_NITRO_ATTESTATION_ROOT) return { kind: 'aws-nitro' };
  if (!raw.startsWith('-----BEGIN CERTIFICATE-----'))
    throw new Error(`configuration: ${name} must be "${AWS_NITRO_ATTESTATION_ROOT}"`);
  if (!loopback.variables.every((variable) => isLoopbackUrl(env[variable] ?? env.AWS_ENDPOINT_URL)))
    throw new Error(
      `configuration: ${name} is a test root, which only the deployment rehearsal uses (${loopback.service} on a loopback stand-in); a deployment trusts "${AWS_NITRO_ATTESTATION_ROOT}" only`,
    );
  return { kind: 'test', pem: raw };
}

/**
 * The configuration of one composition, read from environment variables on demand and once each: a
 * function reads only what its ports need (its deployment sets only those), and any missing or
 * malformed value throws with the variable's name, never a default that hides a mistake.
 */
export class ConfigReader {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private once<T>(key: string, read: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, read());
    return this.cache.get(key) as T;
  }

  deploymentId(): string {
    return this.once('deploymentId', () => required(this.env, 'STRONGROOM_DEPLOYMENT_ID'));
  }

  /** The physical names of `names` (others may be absent: a function is told only its own tables). */
  tables(names: readonly TableName[] = TABLE_NAMES): TableNames {
    const all = this.once('tables', () => json(this.env, 'STRONGROOM_TABLES') as Record<string, unknown>);
    if (typeof all !== 'object' || all === null || Array.isArray(all))
      throw new Error('configuration: STRONGROOM_TABLES must be an object of table names');
    const tables: Partial<Record<TableName, string>> = {};
    for (const name of names) {
      const value = all[name];
      if (typeof value !== 'string' || value === '')
        throw new Error(`configuration: STRONGROOM_TABLES.${name} is not set`);
      tables[name] = value;
    }
    return tables as TableNames;
  }

  /** DynamoDB Local's endpoint; the SDK's own (regional, or AWS_ENDPOINT_URL_DYNAMODB) when absent. */
  dynamoDbEndpoint(): string | undefined {
    return this.env.STRONGROOM_DYNAMODB_ENDPOINT || undefined;
  }

  chains(): readonly ChainConfig[] {
    return this.once('chains', () => {
      const chainsJson = json(this.env, 'STRONGROOM_CHAINS');
      if (!Array.isArray(chainsJson) || chainsJson.length === 0)
        throw new Error('configuration: STRONGROOM_CHAINS must be a non-empty array');
      return chainsJson.map((c, i) => parseChainConfig(c, `STRONGROOM_CHAINS[${i}]`));
    });
  }

  keyBackend(): KeyBackend {
    return this.once('keys', (): KeyBackend => {
      const backend = this.env.STRONGROOM_KEY_BACKEND ?? 'kms';
      if (backend === 'kms') return { kind: 'kms' };
      if (backend !== 'local') throw new Error('configuration: STRONGROOM_KEY_BACKEND must be "kms" or "local"');
      const sealerKey = Buffer.from(required(this.env, 'STRONGROOM_LOCAL_SEALER_KEY'), 'hex');
      if (sealerKey.length !== 32)
        throw new Error('configuration: STRONGROOM_LOCAL_SEALER_KEY must be 32 bytes of hex');
      return {
        kind: 'local',
        passphrase: required(this.env, 'STRONGROOM_LOCAL_VAULT_PASSPHRASE'),
        sealerKey,
        weakKdfForTests: this.env.STRONGROOM_LOCAL_VAULT_WEAK_KDF === 'true',
        ...(this.env.STRONGROOM_LOCAL_VAULT_DIR ? { vaultDirectory: this.env.STRONGROOM_LOCAL_VAULT_DIR } : {}),
      };
    });
  }

  /** The KMS key that seals task tokens (KMS backend). */
  sealerKeyId(): string {
    return required(this.env, 'STRONGROOM_SEALER_KEY_ID');
  }

  /** The page-token MAC key given directly (the local runtime); undefined when a secret holds it. */
  localPageTokenKey(): Buffer | undefined {
    return this.once('pageTokenKey', () => {
      const hex = this.env.STRONGROOM_PAGE_TOKEN_KEY;
      if (hex === undefined || hex === '') return undefined;
      const key = Buffer.from(hex, 'hex');
      if (key.length < 32 || key.toString('hex') !== hex.toLowerCase())
        throw new Error('configuration: STRONGROOM_PAGE_TOKEN_KEY must be at least 32 bytes of hex');
      return key;
    });
  }

  /** The Secrets Manager secret that holds the page-token MAC key (the cloud). */
  pageTokenSecretArn(): string {
    return required(this.env, 'STRONGROOM_PAGE_TOKEN_SECRET_ARN');
  }

  approvalKeyId(): string {
    return required(this.env, 'STRONGROOM_APPROVAL_KEY_ID');
  }

  approvalKeyAddress(): Address {
    return this.once('approvalKeyAddress', () =>
      parseAddress(required(this.env, 'STRONGROOM_APPROVAL_KEY_ADDRESS'), 'STRONGROOM_APPROVAL_KEY_ADDRESS'),
    );
  }

  auditKeyId(): string {
    return required(this.env, 'STRONGROOM_AUDIT_KEY_ID');
  }

  denyList(): readonly string[] {
    return this.once('denyList', () => {
      const denyList = json(this.env, 'STRONGROOM_DENY_LIST', []);
      if (!Array.isArray(denyList) || !denyList.every((a) => typeof a === 'string'))
        throw new Error('configuration: STRONGROOM_DENY_LIST must be an array of addresses');
      return denyList as string[];
    });
  }

  travelRuleThresholds(): ReadonlyMap<number, bigint> {
    return this.once('travelRuleThresholds', () => {
      const thresholds = json(this.env, 'STRONGROOM_TRAVEL_RULE_THRESHOLDS', {}) as Record<string, unknown>;
      return new Map(
        Object.entries(thresholds).map(([chainId, amount]) => [
          Number(chainId),
          parseAmount(amount, `STRONGROOM_TRAVEL_RULE_THRESHOLDS.${chainId}`),
        ]),
      );
    });
  }

  proofValiditySeconds(): number {
    return seconds(this.env, 'STRONGROOM_PROOF_VALIDITY_SECONDS', 120);
  }

  /**
   * How long an approved governance change waits, open to veto, before it takes effect: default 24 h,
   * at most 30 days. 0 (no wait) only outside Lambda: the local runtime says so when it starts; a
   * deployed function refuses to start with it.
   */
  governanceTimeLockSeconds(): number {
    const name = 'STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS';
    const raw = this.env[name];
    if (raw === undefined || raw === '') return 86_400;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 30 * 86_400)
      throw new Error(`configuration: ${name} must be a whole number of seconds from 0 to 2592000`);
    if (value === 0 && this.env.AWS_LAMBDA_FUNCTION_NAME !== undefined)
      throw new Error(`configuration: ${name} may be 0 only in the local runtime, never in a deployment`);
    return value;
  }

  confirmationPollSeconds(): number {
    return seconds(this.env, 'STRONGROOM_CONFIRMATION_POLL_SECONDS', 4);
  }

  stateMachineArn(): string {
    return required(this.env, 'STRONGROOM_STATE_MACHINE_ARN');
  }

  /**
   * The agent-key provisioning path, or undefined when the deployment has none (synthesized without
   * enclave context: the wallets function then answers 503 ENCLAVE.UNAVAILABLE for enclave wallets).
   * Once its state machine is named, the PCRs and the attestation root must be set and well formed.
   *
   * The root is the literal {@link AWS_NITRO_ATTESTATION_ROOT} in every template the CDK writes. Only the
   * deployment rehearsal replaces it, in local/rehearsal/, with the synthetic NSM's test root (a PEM),
   * since its enclave runs on this machine without Nitro hardware. A test root is refused unless Step
   * Functions is reached on a loopback address (the rehearsal's stand-in): a deployed function reaches the
   * regional service, so even an edited variable cannot make it trust a root other than AWS's.
   */
  agentKeyProvisioning(): AgentKeyProvisioning | undefined {
    return this.once('agentKeyProvisioning', () => {
      const arn = this.env.STRONGROOM_AGENT_KEY_STATE_MACHINE_ARN;
      if (arn === undefined || arn === '') return undefined;
      if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn))
        throw new Error('configuration: STRONGROOM_AGENT_KEY_STATE_MACHINE_ARN is not a state machine ARN');
      return { stateMachineArn: arn, pcrs: this.enclavePcrs(), attestationRoot: this.enclaveAttestationRoot() };
    });
  }

  private enclavePcrs(): Readonly<Record<number, string>> {
    return readEnclavePcrs(this.env);
  }

  private enclaveAttestationRoot(): AgentKeyProvisioning['attestationRoot'] {
    return readAttestationRoot(this.env, { variables: ['AWS_ENDPOINT_URL_SFN'], service: 'Step Functions' });
  }

  /**
   * The co-signer function (issue 16) that registers and retires mpc wallets' shares, by name or ARN, or
   * undefined when the deployment has none (no enclave host, so no mpc wallets): the `coSigner` port
   * then answers 503 COSIGNER.UNAVAILABLE. lib/co-signer/ binds it on the functions whose manifest
   * names the port, with lambda:InvokeFunction on that function alone.
   */
  coSignerFunction(): string | undefined {
    return this.once('coSignerFunction', () => {
      const name = 'STRONGROOM_CO_SIGNER_FUNCTION';
      const value = this.env[name];
      if (value === undefined || value === '') return undefined;
      if (!LAMBDA_FUNCTION.test(value)) throw new Error(`configuration: ${name} is not a Lambda function name or ARN`);
      return value;
    });
  }

  approversTopicArn(): string {
    return required(this.env, 'STRONGROOM_APPROVERS_TOPIC_ARN');
  }

  /** Where approvers' links point: https, or http on a loopback address (the local runtime). */
  publicBaseUrl(): string {
    return this.once('publicBaseUrl', () => {
      const text = required(this.env, 'STRONGROOM_PUBLIC_BASE_URL');
      const url = parseSecureUrl(text, 'STRONGROOM_PUBLIC_BASE_URL', 'configuration: ');
      if (url.search !== '' || url.hash !== '')
        throw new Error('configuration: STRONGROOM_PUBLIC_BASE_URL must have no query or fragment');
      return text.replace(/\/+$/, '');
    });
  }
}
