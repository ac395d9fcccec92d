import { parseAddress, type Address } from '../domain/address';
import { parseChainConfig, type ChainConfig } from '../domain/chain/chain-config';
import { parseAmount } from '../domain/money';
import { TABLE_NAMES, type TableNames } from '../adapters/dynamodb/table-schema';

/** Where keys and sealed secrets live: KMS in the cloud, the encrypted local vault on one machine. */
export type KeyBackend =
  | { readonly kind: 'kms'; readonly sealerKeyId: string }
  | {
      readonly kind: 'local';
      readonly vaultDirectory?: string;
      readonly passphrase: string;
      readonly sealerKey: Buffer;
      readonly weakKdfForTests: boolean;
    };

/** Everything a handler's composition root reads from its environment, validated once. */
export interface RuntimeConfig {
  readonly deploymentId: string;
  readonly tables: TableNames;
  /** DynamoDB Local's endpoint; the regional endpoint when absent. */
  readonly dynamoDbEndpoint?: string;
  readonly chains: readonly ChainConfig[];
  readonly keys: KeyBackend;
  /** The HMAC key that authenticates page tokens (a secret, at least 32 bytes): one per deployment. */
  readonly pageTokenKey: Buffer;
  readonly approvalKeyId: string;
  readonly approvalKeyAddress: Address;
  readonly auditKeyId: string;
  readonly denyList: readonly string[];
  readonly travelRuleThresholds: ReadonlyMap<number, bigint>;
  readonly proofValiditySeconds: number;
  readonly confirmationPollSeconds: number;
  /** Step Functions state machine (cloud); the local runtime provides its engine instead. */
  readonly stateMachineArn?: string;
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

/**
 * Reads the runtime configuration from environment variables. Called once per cold start; any
 * missing or malformed value throws with the variable's name, never a default that hides a mistake.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tablesJson = json(env, 'STRONGROOM_TABLES') as Record<string, unknown>;
  const tables = Object.fromEntries(
    TABLE_NAMES.map((name) => {
      const value = tablesJson[name];
      if (typeof value !== 'string' || value === '')
        throw new Error(`configuration: STRONGROOM_TABLES.${name} is not set`);
      return [name, value];
    }),
  ) as unknown as TableNames;
  const chainsJson = json(env, 'STRONGROOM_CHAINS');
  if (!Array.isArray(chainsJson) || chainsJson.length === 0)
    throw new Error('configuration: STRONGROOM_CHAINS must be a non-empty array');
  const chains = chainsJson.map((c, i) => parseChainConfig(c, `STRONGROOM_CHAINS[${i}]`));
  const backend = env.STRONGROOM_KEY_BACKEND ?? 'kms';
  let keys: KeyBackend;
  if (backend === 'local') {
    const sealerKey = Buffer.from(required(env, 'STRONGROOM_LOCAL_SEALER_KEY'), 'hex');
    if (sealerKey.length !== 32) throw new Error('configuration: STRONGROOM_LOCAL_SEALER_KEY must be 32 bytes of hex');
    keys = {
      kind: 'local',
      passphrase: required(env, 'STRONGROOM_LOCAL_VAULT_PASSPHRASE'),
      sealerKey,
      weakKdfForTests: env.STRONGROOM_LOCAL_VAULT_WEAK_KDF === 'true',
      ...(env.STRONGROOM_LOCAL_VAULT_DIR ? { vaultDirectory: env.STRONGROOM_LOCAL_VAULT_DIR } : {}),
    };
  } else if (backend === 'kms') {
    keys = { kind: 'kms', sealerKeyId: required(env, 'STRONGROOM_SEALER_KEY_ID') };
  } else {
    throw new Error('configuration: STRONGROOM_KEY_BACKEND must be "kms" or "local"');
  }
  const pageTokenKey = Buffer.from(required(env, 'STRONGROOM_PAGE_TOKEN_KEY'), 'hex');
  if (pageTokenKey.length < 32 || pageTokenKey.toString('hex') !== env.STRONGROOM_PAGE_TOKEN_KEY?.toLowerCase())
    throw new Error('configuration: STRONGROOM_PAGE_TOKEN_KEY must be at least 32 bytes of hex');
  const thresholds = json(env, 'STRONGROOM_TRAVEL_RULE_THRESHOLDS', {}) as Record<string, unknown>;
  const denyList = json(env, 'STRONGROOM_DENY_LIST', []);
  if (!Array.isArray(denyList) || !denyList.every((a) => typeof a === 'string'))
    throw new Error('configuration: STRONGROOM_DENY_LIST must be an array of addresses');
  return {
    deploymentId: required(env, 'STRONGROOM_DEPLOYMENT_ID'),
    tables,
    ...(env.STRONGROOM_DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.STRONGROOM_DYNAMODB_ENDPOINT } : {}),
    chains,
    keys,
    pageTokenKey,
    approvalKeyId: required(env, 'STRONGROOM_APPROVAL_KEY_ID'),
    approvalKeyAddress: parseAddress(
      required(env, 'STRONGROOM_APPROVAL_KEY_ADDRESS'),
      'STRONGROOM_APPROVAL_KEY_ADDRESS',
    ),
    auditKeyId: required(env, 'STRONGROOM_AUDIT_KEY_ID'),
    denyList: denyList as string[],
    travelRuleThresholds: new Map(
      Object.entries(thresholds).map(([chainId, amount]) => [
        Number(chainId),
        parseAmount(amount, `STRONGROOM_TRAVEL_RULE_THRESHOLDS.${chainId}`),
      ]),
    ),
    proofValiditySeconds: seconds(env, 'STRONGROOM_PROOF_VALIDITY_SECONDS', 120),
    confirmationPollSeconds: seconds(env, 'STRONGROOM_CONFIRMATION_POLL_SECONDS', 4),
    ...(env.STRONGROOM_STATE_MACHINE_ARN ? { stateMachineArn: env.STRONGROOM_STATE_MACHINE_ARN } : {}),
  };
}
