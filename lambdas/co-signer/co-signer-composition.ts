import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NitroAttestationVerifier } from '../../enclave-host/attestation/nitro-attestation-verifier';
import { sealShare } from '../../enclave-host/shares/hpke-share';
import { documentClient } from '../adapters/dynamodb/document-client';
import { kmsClient } from '../adapters/kms/kms-client';
import { readAttestationRoot, readEnclavePcrs } from '../composition/runtime-config';
import { parseAddress } from '../domain/address';
import { StrongroomError } from '../domain/errors';
import { traced } from '../observability/tracing';
import { DynamoCoSignerShareStore } from './adapters/dynamo-co-signer-share-store';
import { DynamoReleaseLog } from './adapters/dynamo-release-log';
import { KmsShareDecrypter } from './adapters/kms-share-decrypter';
import { capsFromJson, type CoSignerConfig } from './co-signer-config';
import type { ReleaseShareDeps } from './release-share';

/**
 * The co-signer function's own environment (lib/co-signer/ sets exactly these). It shares nothing with
 * the custody functions' composition but two values it must agree on (the deployment id and the
 * approval key's address), and it reads them itself: a second party's checks are worth something only
 * if they do not depend on what the first party configures.
 */
export const CO_SIGNER_ENV = {
  deploymentId: 'STRONGROOM_DEPLOYMENT_ID',
  approvalKeyAddress: 'STRONGROOM_APPROVAL_KEY_ADDRESS',
  /** The enclave image's PCRs, JSON `{"0": "<96 hex>", "1": …, "2": …}` (as the wallets function reads them). */
  enclavePcrs: 'STRONGROOM_ENCLAVE_PCRS',
  /** "aws-nitro-enclaves-root-g1" in every deployment (runtime-config.ts `readAttestationRoot`). */
  attestationRoot: 'STRONGROOM_ENCLAVE_ATTESTATION_ROOT',
  /** The co-signer's daily caps, JSON as `capsFromJson` reads it; `{}` refuses every release. */
  caps: 'STRONGROOM_CO_SIGNER_CAPS',
  /** The physical name of the `coSigner` table. */
  table: 'STRONGROOM_CO_SIGNER_TABLE',
  /** The co-signer's KMS key, by ARN (never an alias, which can be moved to another key). */
  keyArn: 'STRONGROOM_CO_SIGNER_KEY_ARN',
} as const;

/** Everything the co-signer's three use cases are given: release needs it all, register and retire a part. */
export type CoSignerDeps = ReleaseShareDeps;

/** What the co-signer's environment says, read and checked. */
export interface CoSignerSettings {
  readonly config: CoSignerConfig;
  readonly attestationRoot: ReturnType<typeof readAttestationRoot>;
  readonly table: string;
  readonly keyArn: string;
}

const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * Reads and checks the co-signer's environment, synchronously: a missing or malformed variable throws
 * naming it, so the function fails its cold start rather than run with a default (above all, never
 * uncapped: a cap that does not parse stops the start).
 */
export function readCoSignerSettings(env: NodeJS.ProcessEnv): CoSignerSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`configuration: ${name} is not set`);
    return value;
  };
  const table = required(CO_SIGNER_ENV.table);
  if (!TABLE_NAME.test(table)) throw new Error(`configuration: ${CO_SIGNER_ENV.table} is not a DynamoDB table name`);
  const keyArn = required(CO_SIGNER_ENV.keyArn);
  if (!KMS_KEY_ARN.test(keyArn)) throw new Error(`configuration: ${CO_SIGNER_ENV.keyArn} must be a KMS key ARN`);
  return {
    config: {
      deploymentId: required(CO_SIGNER_ENV.deploymentId),
      approvalKeyAddress: configured(() =>
        parseAddress(required(CO_SIGNER_ENV.approvalKeyAddress), CO_SIGNER_ENV.approvalKeyAddress),
      ),
      pcrs: readEnclavePcrs(env),
      caps: configured(() => capsFromJson(json(required(CO_SIGNER_ENV.caps), CO_SIGNER_ENV.caps), CO_SIGNER_ENV.caps)),
    },
    // A test root only with KMS and DynamoDB on loopback stand-ins: then no real share opens and nothing
    // reaches the real table, whatever the function trusts.
    attestationRoot: readAttestationRoot(env, {
      variables: ['AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_DYNAMODB'],
      service: 'KMS and DynamoDB',
    }),
    table,
    keyArn,
  };
}

/**
 * The co-signer's dependencies from its environment: its table (shares and the release log), its KMS
 * key, the HPKE sealer and the attestation verifier pinned to the AWS Nitro root (a test root only as
 * `readCoSignerSettings` allows). Clients are made here, once per cold start.
 */
export function composeCoSigner(env: NodeJS.ProcessEnv): CoSignerDeps {
  const settings = readCoSignerSettings(env);
  const client = documentClient(traced(new DynamoDBClient({})));
  const { attestationRoot } = settings;
  return {
    config: settings.config,
    shares: new DynamoCoSignerShareStore({ client, table: settings.table }),
    releases: new DynamoReleaseLog({ client, table: settings.table }),
    decrypter: new KmsShareDecrypter(traced(kmsClient()), settings.keyArn),
    sealShare,
    verifier:
      attestationRoot.kind === 'aws-nitro'
        ? new NitroAttestationVerifier({ mode: 'production' })
        : new NitroAttestationVerifier({ mode: 'local', root: attestationRoot.pem }),
    clock: () => new Date(),
  };
}

function json(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`configuration: ${name} is not valid JSON`);
  }
}

/** A domain parser's ValidationError (which names the field, here the variable) as a configuration error. */
function configured<T>(parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (cause instanceof StrongroomError) throw new Error(`configuration: ${cause.message}`, { cause });
    throw cause;
  }
}
