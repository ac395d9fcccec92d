import { verifyAgentKeyAttestation } from '../../lambdas/adapters/enclave/verify-agent-key-attestation';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { parseEther, type Hex } from 'viem';
import { NitroAttestationVerifier } from '../../enclave-host/attestation';
import type {
  AttestationVerifier,
  CoSignerClient,
  CreatedMpcKey,
  EnclaveClient,
  KmsCredentials,
  PcrValues,
  SealedKey,
} from '../../enclave-host/contract';
import { buildEnclaveBundle } from '../../enclave-host/enclave/build';
import { DynamoJobLedger } from '../../enclave-host/host/dynamo-job-ledger';
import { createSigningHost, type SigningHost } from '../../enclave-host/host/signing-host';
import { systemClock } from '../../enclave-host/host/host-clock';
import type { HostLogger } from '../../enclave-host/host/host-logger';
import { EnclaveError, isEnclaveUnavailable } from '../../enclave-host/protocol/enclave-error';
import { SocketEnclaveClient } from '../../enclave-host/protocol/socket-enclave-client';
import { sealShare } from '../../enclave-host/shares';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { DynamoCoSignerShareStore } from '../../lambdas/co-signer/adapters/dynamo-co-signer-share-store';
import { DynamoReleaseLog } from '../../lambdas/co-signer/adapters/dynamo-release-log';
import { KmsShareDecrypter } from '../../lambdas/co-signer/adapters/kms-share-decrypter';
import type { CoSignerCaps } from '../../lambdas/co-signer/co-signer-config';
import { MemoryCoSignerShareStore } from '../../lambdas/co-signer/memory/memory-co-signer-share-store';
import { MemoryReleaseLog } from '../../lambdas/co-signer/memory/memory-release-log';
import type { CoSignerShareStore } from '../../lambdas/co-signer/ports/co-signer-share-store';
import type { ReleaseLog } from '../../lambdas/co-signer/ports/release-log';
import { registerShare } from '../../lambdas/co-signer/register-share';
import { releaseShare, type ReleaseShareDeps } from '../../lambdas/co-signer/release-share';
import { retireShare } from '../../lambdas/co-signer/retire-share';
import { parseAddress } from '../../lambdas/domain/address';
import { DependencyUnavailableError, StrongroomError } from '../../lambdas/domain/errors';
import type { SealedAgentKey } from '../../lambdas/domain/wallets/sealed-agent-key';
import type { AgentKeys, CreatedAgentKey } from '../../lambdas/ports/agent-keys';
import type { CoSignerRegistry } from '../../lambdas/ports/co-signer-registry';
import { awsJsonHandler } from '../aws/aws-json-protocol';
import { KmsStandIn } from '../aws/kms-stand-in';
import { listenOnLoopback } from '../aws/loopback-server';
import { startSqsStandIn, type RunningSqsStandIn } from '../aws/start-sqs-stand-in';
import { localDynamoDbClient } from '../dynamodb-local';
import { startSupervised, type SupervisedProcess } from '../process/supervised-process';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/**
 * The local image's measurements: fixed, non-zero values the synthetic NSM reports and the sealing
 * key's policy requires (a real image's come from `nitro-cli build-enclave`, see enclave-host/deploy).
 */
export const LOCAL_ENCLAVE_PCRS: PcrValues = {
  0: 'a0'.repeat(48),
  1: 'a1'.repeat(48),
  2: 'a2'.repeat(48),
};

/** The local host's name in the job ledger's claims (an EC2 instance id in the cloud). */
export const LOCAL_HOST_ID = 'local-signing-host';

/**
 * The local co-signer's daily cap when none is given: generous (1000 ETH per wallet per 24 h), so a
 * demo never meets it, yet a cap, as the co-signer never runs uncapped. Tests give a small one
 * (`coSignerCaps`) to see it refuse.
 */
export const LOCAL_CO_SIGNER_CAPS: CoSignerCaps = { default: { native: parseEther('1000') } };

/** Stand-in credentials: the host passes them with each request, as it passes the instance role's in the cloud. */
const LOCAL_CREDENTIALS: KmsCredentials = { accessKeyId: 'local-stand-in', secretAccessKey: 'local-stand-in' };

/**
 * The sealing key's policy as the CDK writes it (lib/enclave/sealing-key.ts), reduced to what the
 * KMS stand-in evaluates: one Deny per PCR of Decrypt and GenerateDataKey to anyone whose attested
 * PCR differs (or who sends no attestation), and an Allow under all of them.
 */
export function localSealingKeyPolicy(pcrs: PcrValues): string {
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
  const key = (index: string): string => `kms:RecipientAttestation:PCR${index}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      ...Object.entries(pcrs).map(([index, value]) => ({
        Sid: `DenyUnlessPcr${index}`,
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: actions,
        Resource: '*',
        Condition: { StringNotEqualsIgnoreCase: { [key(index)]: value } },
      })),
      {
        Sid: 'AllowTheMeasuredImage',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: actions,
        Resource: '*',
        Condition: {
          StringEqualsIgnoreCase: Object.fromEntries(Object.entries(pcrs).map(([index, value]) => [key(index), value])),
        },
      },
    ],
  });
}

export interface LocalEnclave {
  /** Where its bundle, NSM file, socket and test root are. */
  readonly dir: string;
  /** The enclave as the wallets function sees it: make a sealed key or key shares, verify what the enclave says. */
  readonly agentKeys: AgentKeys;
  /**
   * The co-signer (issue 16) as the wallets and governance functions see it (the composer's `coSigner`
   * port): registerShare and retireShare of lambdas/co-signer, in process, on the `coSignerTable`.
   */
  readonly coSigner: CoSignerRegistry;
  /**
   * Tests: `true` makes the in-process co-signer unavailable (register, retire and release throw
   * COSIGNER.UNAVAILABLE, as an unreachable co-signer function does); `false` brings it back. A
   * co-signer given as `LocalEnclaveOptions.coSigner` is not affected.
   */
  coSignerDown(down: boolean): void;
  /** The in-process co-signer as the signing host calls it (the bench times a release with it). */
  readonly coSignerClient: CoSignerClient;
  /** Where the workflow's Sign state sends jobs (`${SigningQueueUrl}`). */
  readonly queueUrl: string;
  /** The workflow engine's SQS port: sends a job to the signing queue. */
  sendMessage(queueUrl: string, body: string): Promise<void>;
  /** Starts the signing host's loop, answering the workflow through `sfn` (the local engine's callbacks). */
  startHost(sfn: SFNClient): void;
  /** The host (for tests: run it by hand, read its health). */
  host(): SigningHost | undefined;
  /** Starts the enclave program now (it otherwise starts at its first use). */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalEnclaveOptions {
  /** Where the bundle, its NSM file, its socket and the test root go. */
  readonly dir: string;
  readonly deploymentId: string;
  /** The approval key's address, built into the bundle: the only proof signer the enclave accepts. */
  readonly approvalKeyAddress: Hex;
  readonly log?: (line: string) => void;
  /**
   * The job ledger: the `signingJobs` table on the stack's DynamoDB Local, shared with the workflow as
   * in the cloud. Needed by `startHost` only (a bench that calls the enclave directly runs no host).
   */
  readonly signingJobs?: { readonly endpoint: string; readonly table: string };
  /** Heartbeat interval of the host (default 20 s, under the Sign state's HeartbeatSeconds of 180). */
  readonly heartbeatSeconds?: number;
  /**
   * The co-signer's table (`coSigner` on the stack's DynamoDB Local): its shares and its release log,
   * as the co-signer function keeps them in the cloud. Absent: in memory (a bench, a test without a stack).
   */
  readonly coSignerTable?: { readonly endpoint: string; readonly table: string };
  /** The in-process co-signer's daily caps (default {@link LOCAL_CO_SIGNER_CAPS}). */
  readonly coSignerCaps?: CoSignerCaps;
  /**
   * The co-signer the signing host asks to release share 2. Absent: the in-process one. The deployment
   * rehearsal gives one that invokes the deployed co-signer function.
   */
  readonly coSigner?: CoSignerClient;
  /**
   * The co-signer's KMS key (its id and 32-byte secret, as a KMS stand-in exports it), made in this
   * enclave's KMS stand-in so that the enclave encrypts share 2 under the key the co-signer decrypts with
   * in another stand-in: the deployment rehearsal gives the template's. Absent: a key of its own, kept in
   * the enclave directory across restarts.
   */
  readonly coSignerKey?: { readonly id: string; readonly secret: Uint8Array };
}

/**
 * The enclave host on one machine (issue 15, scope 6): the enclave program built into one bundle with
 * this deployment's values (approval key, sealing key, KMS endpoint) compiled in and run as a child
 * process on a Unix socket with the synthetic NSM; KMS and SQS stand-ins on loopback (the sealing key
 * under the same PCR policy as the CDK's, the verifier pinned to the synthetic root the enclave wrote);
 * the real signing host long-polling the signing queue, claiming and answering each job in the
 * `signingJobs` table on DynamoDB Local (the workflow voids jobs in the same table). What differs from
 * production is the transport (a Unix socket, not vsock) and the NSM (synthetic, which a production
 * image refuses).
 */
export async function startLocalEnclave(options: LocalEnclaveOptions): Promise<LocalEnclave> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const kms = new KmsStandIn(REGION, ACCOUNT);
  const kmsServer = await listenOnLoopback(awsJsonHandler(kms.service));
  let queue: RunningSqsStandIn;
  try {
    queue = await startSqsStandIn(REGION, ACCOUNT);
  } catch (error) {
    await kmsServer.close();
    throw error;
  }
  const { sqs } = queue;
  const queueUrl = queue.standIn.createQueue('strongroom-signing');
  const sealingKeyArn = localSealingKey(kms, options.dir);
  const coSignerKeyArn = localCoSignerKey(kms, options.dir, options.coSignerKey);

  // The enclave program starts at its first use (a wallet to create, a job to sign), so a stack that
  // never meets an enclave wallet pays neither the bundle build nor the process.
  let started: Promise<RunningProgram> | undefined;
  const program = (): Promise<RunningProgram> =>
    (started ??= startProgram(options, { sealingKeyArn, coSignerKeyArn, kmsEndpoint: kmsServer.url }, log).then(
      (running) => {
        kms.trustAttestations({ attestationRoot: running.root, maxAgeSeconds: 300 });
        return running;
      },
    ));
  // A start that failed is tried again at the next use.
  const use = async (): Promise<RunningProgram> => {
    try {
      return await program();
    } catch (error) {
      started = undefined;
      throw error;
    }
  };
  const enclave: EnclaveClient = {
    call: async (request, callOptions) => (await use()).client.call(request, callOptions),
  };
  // The synthetic root exists once the program has started: the co-signer's verifier waits for it.
  const verifier: AttestationVerifier = {
    verify: async (document, expect) => (await use()).verifier.verify(document, expect),
  };
  const coSignerKms = new KMSClient({ region: REGION, endpoint: kmsServer.url, credentials: { ...LOCAL_CREDENTIALS } });
  const coSignerDynamo =
    options.coSignerTable === undefined ? undefined : localDynamoDbClient(options.coSignerTable.endpoint);
  const coSigner = localCoSigner({
    options,
    verifier,
    decrypter: new KmsShareDecrypter(coSignerKms, coSignerKeyArn),
    stores:
      coSignerDynamo === undefined || options.coSignerTable === undefined
        ? { shares: new MemoryCoSignerShareStore(), releases: new MemoryReleaseLog() }
        : {
            shares: new DynamoCoSignerShareStore({
              client: documentClient(coSignerDynamo),
              table: options.coSignerTable.table,
            }),
            releases: new DynamoReleaseLog({
              client: documentClient(coSignerDynamo),
              table: options.coSignerTable.table,
            }),
          },
  });

  let dynamo: DynamoDBClient | undefined;
  let host: SigningHost | undefined;
  return {
    dir: options.dir,
    queueUrl,
    ready: async () => {
      await use();
    },
    agentKeys: localAgentKeys(enclave, async () => (await use()).verifier),
    coSigner: coSigner.registry,
    coSignerClient: coSigner.client,
    coSignerDown: (down) => {
      coSigner.down = down;
    },
    sendMessage: async (url, body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    },
    startHost: (sfn) => {
      if (host === undefined) {
        const { signingJobs } = options;
        if (signingJobs === undefined) throw new Error('the signing host needs its job ledger: signingJobs is not set');
        dynamo = localDynamoDbClient(signingJobs.endpoint);
        host = createSigningHost({
          sqs,
          sfn,
          queueUrl,
          enclave,
          ledger: new DynamoJobLedger({ client: documentClient(dynamo), table: signingJobs.table }),
          hostId: LOCAL_HOST_ID,
          credentials: async () => ({ ...LOCAL_CREDENTIALS }),
          clock: systemClock,
          logger: hostLogger(log),
          heartbeatSeconds: options.heartbeatSeconds ?? 20,
          visibilityTimeoutSeconds: 120,
          waitTimeSeconds: 1,
          retryDelayMs: 250,
          coSigner: options.coSigner ?? coSigner.client,
        });
      }
      host.start();
    },
    host: () => host,
    stop: async () => {
      await host?.stop();
      const running = await started?.catch(() => undefined);
      running?.client.close();
      await running?.process.stop();
      await Promise.all([queue.close(), kmsServer.close()]);
      dynamo?.destroy();
      coSignerDynamo?.destroy();
      coSignerKms.destroy();
    },
  };
}

interface RunningProgram {
  readonly client: SocketEnclaveClient;
  readonly process: SupervisedProcess;
  /** The synthetic NSM's root (PEM) the program wrote at start: what the verifier and KMS pin. */
  readonly root: string;
  readonly verifier: NitroAttestationVerifier;
}

/** Builds the bundle with this deployment's values compiled in, starts it, and waits for its health. */
async function startProgram(
  options: LocalEnclaveOptions,
  keys: { readonly sealingKeyArn: string; readonly coSignerKeyArn: string; readonly kmsEndpoint: string },
  log: (line: string) => void,
): Promise<RunningProgram> {
  const bundle = join(options.dir, 'enclave.js');
  await buildEnclaveBundle({
    outfile: bundle,
    config: {
      deploymentId: options.deploymentId,
      approvalKeyAddress: options.approvalKeyAddress,
      sealingKeyArn: keys.sealingKeyArn,
      region: REGION,
      kmsEndpoint: keys.kmsEndpoint,
      mode: 'local',
      coSignerKeyArn: keys.coSignerKeyArn,
    },
  });
  const rootPath = join(options.dir, 'nsm-root.pem');
  const nsmFile = join(options.dir, 'nsm.json');
  writeFileSync(nsmFile, JSON.stringify({ rootCertificatePath: rootPath, pcrs: LOCAL_ENCLAVE_PCRS }), { mode: 0o600 });
  const socket = join(options.dir, 'enclave.sock');
  const child = startSupervised(process.execPath, [bundle, '--listen', socket, '--synthetic-nsm', nsmFile], {
    onOutput: (chunk) => log(`[enclave] ${chunk.trimEnd()}`),
  });
  const client = new SocketEnclaveClient({ path: socket }, { timeoutMs: 30_000 });
  try {
    await waitForHealth(client, child);
  } catch (error) {
    client.close();
    await child.stop();
    throw error;
  }
  const root = readFileSync(rootPath, 'utf8');
  return { client, process: child, root, verifier: new NitroAttestationVerifier({ mode: 'local', root }) };
}

/**
 * The co-signer's key's policy, reduced to what the KMS stand-in evaluates (it has no principals): the
 * enclave may Encrypt share 2 of a new mpc key under it, and Decrypt is left to the co-signer. In the
 * cloud only the co-signer's role may Decrypt under this key (and the enclave's instance role only
 * Encrypt); here every caller is the same stand-in principal, so the Decrypt statement stands for the
 * co-signer's, and the point kept is that Decrypt carries no Recipient: the co-signer is a Lambda
 * function, not the enclave.
 */
export function localCoSignerKeyPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowTheEnclaveToEncryptShares',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
      },
      {
        Sid: 'AllowTheCoSignerToDecrypt',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
      },
    ],
  });
}

/**
 * The sealing key in the KMS stand-in, under the PCR policy. Its secret is kept in the enclave
 * directory (0600, beside the local vault's passphrase in the data directory), so enclave wallets
 * sealed in one `npm start` still open in the next: real KMS keeps its keys itself.
 */
function localSealingKey(kms: KmsStandIn, dir: string): string {
  return persistedKey(kms, join(dir, 'sealing-key.json'), {
    description: 'strongroom enclave sealing key (local)',
    policy: localSealingKeyPolicy(LOCAL_ENCLAVE_PCRS),
  });
}

/**
 * The co-signer's key (issue 16), to which the enclave encrypts share 2 of each mpc key: built into the
 * bundle as `coSignerKeyArn`. The one `given` (a co-signer that decrypts in another KMS stand-in), or
 * one of its own, kept across restarts like the sealing key, since the co-signer's stored shares were
 * encrypted under it.
 */
function localCoSignerKey(kms: KmsStandIn, dir: string, given: LocalEnclaveOptions['coSignerKey']): string {
  const options = { description: 'strongroom co-signer share key (local)', policy: localCoSignerKeyPolicy() };
  if (given !== undefined) return kms.createKey({ ...options, restore: given }).arn;
  return persistedKey(kms, join(dir, 'co-signer-key.json'), options);
}

/** A symmetric key in the stand-in whose id and secret are kept in `file` (0600), restored at the next start. */
function persistedKey(
  kms: KmsStandIn,
  file: string,
  options: { readonly description: string; readonly policy: string },
): string {
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { id: string; secret: string })
    : undefined;
  const { keyId, arn } = kms.createKey({
    ...options,
    ...(saved === undefined ? {} : { restore: { id: saved.id, secret: Buffer.from(saved.secret, 'hex') } }),
  });
  if (saved === undefined) {
    const { id, secret } = kms.exportSymmetricKey(keyId);
    writeFileSync(file, JSON.stringify({ id, secret: Buffer.from(secret).toString('hex') }), { mode: 0o600 });
  }
  return arn;
}

/** The enclave as the wallets function uses it, through the socket client; refusals mapped to our errors. */
function localAgentKeys(client: EnclaveClient, verifier: () => Promise<NitroAttestationVerifier>): AgentKeys {
  return {
    async createAgentKey(walletId: string): Promise<CreatedAgentKey> {
      try {
        const result = await client.call({ op: 'createAgentKey', walletId, credentials: { ...LOCAL_CREDENTIALS } });
        if (result.op !== 'createAgentKey') throw new Error(`the enclave answered ${result.op} to createAgentKey`);
        return { address: result.address, sealedKey: agentKeyOf(result.sealedKey), attestation: result.attestation };
      } catch (error) {
        throw enclaveFailure(error, walletId);
      }
    },
    async createMpcKey(walletId: string, recoveryPublicKey: string): Promise<CreatedMpcKey> {
      try {
        const result = await client.call({
          op: 'createMpcKey',
          walletId,
          recoveryPublicKey,
          credentials: { ...LOCAL_CREDENTIALS },
        });
        if (result.op !== 'createMpcKey') throw new Error(`the enclave answered ${result.op} to createMpcKey`);
        const { op: _op, ...created } = result;
        return created;
      } catch (error) {
        throw enclaveFailure(error, walletId);
      }
    },
    async verifyAttestation(document: Uint8Array, userData: Hex): Promise<void> {
      const expect = { pcrs: LOCAL_ENCLAVE_PCRS, now: new Date(), maxAgeSeconds: 300 };
      await verifyAgentKeyAttestation(await verifier(), expect, document, userData);
    },
  };
}

/** The in-process co-signer: its registry (for the composer), its client (for the host), and the switch that takes it down. */
interface LocalCoSigner {
  readonly registry: CoSignerRegistry;
  readonly client: CoSignerClient;
  down: boolean;
}

/**
 * The co-signer of lambdas/co-signer in process, as the co-signer function composes it in the cloud
 * (co-signer-composition.ts): its own stores (the `coSigner` table), KMS Decrypt of share 2 under its own
 * key (the stand-in's, which the enclave encrypted to), sealShare to the session's attested key, the
 * attestation verifier on the synthetic root, and its own configuration (deployment, approval key
 * address, the local image's PCRs, its caps). What the function would answer as an error (its table or
 * KMS failing) is COSIGNER.UNAVAILABLE here, as the Lambda adapter makes it.
 */
function localCoSigner(parts: {
  readonly options: LocalEnclaveOptions;
  readonly verifier: AttestationVerifier;
  readonly decrypter: KmsShareDecrypter;
  readonly stores: { readonly shares: CoSignerShareStore; readonly releases: ReleaseLog };
}): LocalCoSigner {
  const { options } = parts;
  const deps: ReleaseShareDeps = {
    config: {
      deploymentId: options.deploymentId,
      approvalKeyAddress: parseAddress(options.approvalKeyAddress, 'approvalKeyAddress'),
      pcrs: LOCAL_ENCLAVE_PCRS,
      caps: options.coSignerCaps ?? LOCAL_CO_SIGNER_CAPS,
    },
    shares: parts.stores.shares,
    releases: parts.stores.releases,
    decrypter: parts.decrypter,
    sealShare,
    verifier: parts.verifier,
    clock: () => new Date(),
  };
  const local: LocalCoSigner = {
    down: false,
    registry: {
      register: (registration) => available('register', () => registerShare(deps, registration)),
      retire: (walletId, epoch, reason) =>
        available('retire', async () => {
          const answer = await retireShare(deps, { walletId, epoch, reason });
          if (!answer.ok) throw new Error(`the co-signer refused to retire: ${answer.code}: ${answer.message}`);
          return answer;
        }),
    },
    client: { release: (request) => available('release', () => releaseShare(deps, request)) },
  };
  async function available<T>(op: string, call: () => Promise<T>): Promise<T> {
    if (local.down)
      throw new DependencyUnavailableError('COSIGNER.UNAVAILABLE', `the co-signer (${op}): down (coSignerDown)`, {
        details: { op },
      });
    try {
      return await call();
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      throw new DependencyUnavailableError('COSIGNER.UNAVAILABLE', `the co-signer (${op}) failed: ${name}`, {
        cause: error,
        details: { op, error: name },
      });
    }
  }
  return local;
}

/** createAgentKey's sealed record, which the enclave always seals as an agent key (never a key share). */
function agentKeyOf(sealed: SealedKey): SealedAgentKey {
  const { context } = sealed;
  if (context.purpose !== 'agent-key')
    throw new Error(`the enclave answered createAgentKey with a ${context.purpose}, not an agent key`);
  return { ...sealed, context: { ...context, purpose: context.purpose } };
}

function enclaveFailure(error: unknown, walletId: string): Error {
  if (isEnclaveUnavailable(error))
    return new DependencyUnavailableError('ENCLAVE.UNAVAILABLE', `the enclave did not answer for wallet ${walletId}`, {
      cause: error,
      details: { walletId },
    });
  if (error instanceof EnclaveError)
    return new StrongroomError('ENCLAVE.REFUSED', `the enclave refused: ${error.code}`, {
      cause: error,
      details: { walletId, enclaveCode: error.code },
    });
  return error as Error;
}

async function waitForHealth(client: SocketEnclaveClient, child: SupervisedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    try {
      await client.call({ op: 'health' }, { timeoutMs: 2_000 });
      return;
    } catch (error) {
      if (exited || Date.now() > deadline)
        throw new Error(`the enclave program did not start: ${(error as Error).message}\n${child.output()}`, {
          cause: error,
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The host's lines on the local log: identifiers and outcomes only, as the host writes them. */
export function hostLogger(log: (line: string) => void): HostLogger {
  const line =
    (level: string) =>
    (message: string, attributes: Record<string, unknown>): void =>
      log(`[signing-host] ${level} ${message} ${JSON.stringify(attributes)}`);
  return { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') };
}
