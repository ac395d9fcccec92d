import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, type Address } from 'viem';
import { kmsClient } from '../../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../../lambdas/adapters/kms/kms-key-vault';
import type { CoSignerCaps } from '../../lambdas/co-signer/co-signer-config';
import { buildStrongroomApp } from '../../lib/strongroom-app';
import { createDevTokenIssuer, type DevTokenIssuer } from '../../local/dev-tokens';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { startRehearsal, type Rehearsal, type RehearsalOptions } from '../../local/rehearsal/rehearsal';
import { ENCLAVE_HOST_STACK, startRehearsalEnclave } from '../../local/rehearsal/rehearsal-enclave';
import { startTestAnvil, type DedicatedTestChain } from './anvil';
import { anvilChainConfig } from './custody-chain';
import { poll } from './poll';

const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const ISSUER = 'https://idp.rehearsal.example';
const AUDIENCE = 'strongroom-api';

/**
 * The co-signer's caps the rehearsal deploys with when a test names none: 10 ETH per wallet per 24 h.
 * The template's default (`{}`) refuses every release, as a deployment that has not named its caps must.
 */
export const REHEARSAL_CO_SIGNER_CAPS: CoSignerCaps = { default: { native: parseEther('10') } };

/** A response body as the rehearsal tests read it. */
export type RehearsalResponseBody = Record<string, unknown>;

export interface RehearsalUnderTestOptions {
  /** CDK context laid over cdk.json's when the app is synthesized here (e.g. the enclave image's PCRs). */
  readonly context?: Record<string, unknown>;
  /**
   * The environment variable that may name a cdk.out synthesized already: it is rehearsed as it is and
   * left in place, to iterate on a rehearsal without a minute of bundling each time.
   */
  readonly cdkOutEnvVar: string;
  /** Stand in for the enclave host stack (an app synthesized with enclave context); `log` gets its lines. */
  readonly enclave?: { readonly log: (line: string) => void };
  /**
   * The stateless stack's `CoSignerCaps` parameter (default {@link REHEARSAL_CO_SIGNER_CAPS}); a template
   * without the co-signer (no enclave context) has no such parameter, and it is not used.
   */
  readonly coSignerCaps?: CoSignerCaps;
}

/** A deployment rehearsal with what its tests drive it by: the chain, the identity provider, the API. */
export interface RehearsalUnderTest {
  readonly rehearsal: Rehearsal;
  readonly dynamo: DynamoDbLocal;
  readonly chain: DedicatedTestChain;
  /** The identity provider whose JWKS the functions fetch: it mints the API's bearer tokens. */
  readonly issuer: DevTokenIssuer;
  /** Calls the API route `routeKey` (a resource template) with `token` as the bearer token. */
  call(
    routeKey: string,
    token: string,
    options?: { pathParameters?: Record<string, string>; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: RehearsalResponseBody }>;
  /**
   * Sends `amount` wei to `wallet` from anvil's development account 1, mines it deep enough, and waits
   * until the deposit watcher (invoked as its schedule would) has credited it, as GET /v1/wallets/{id} shows.
   */
  deposit(
    wallet: { readonly id: string; readonly address: Address },
    amount: bigint,
    adminToken: string,
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The CDK app synthesized with bundling as `cdk synth` does it (esbuild, locally, no Docker) into a
 * temporary cdk.out, or the cdk.out `cdkOutEnvVar` names, rehearsed on DynamoDB Local, an anvil of its
 * own and a dev token issuer, with the stateless stack's parameters as an operator gives them.
 */
export async function startRehearsalUnderTest(options: RehearsalUnderTestOptions): Promise<RehearsalUnderTest> {
  // Undone in reverse, by `stop` or when a later step of the start fails.
  const teardowns: (() => unknown)[] = [];
  const stop = async () => {
    for (const teardown of teardowns.splice(0).reverse()) await teardown();
  };
  const owned = async <T extends { stop(): Promise<unknown> }>(starting: Promise<T>): Promise<T> => {
    const started = await starting;
    teardowns.push(() => started.stop());
    return started;
  };

  try {
    const givenCdkOut = process.env[options.cdkOutEnvVar];
    const outdir = givenCdkOut ?? mkdtempSync(join(tmpdir(), 'strongroom-rehearsal-'));
    if (givenCdkOut === undefined) {
      teardowns.push(() => rmSync(outdir, { recursive: true, force: true }));
      buildStrongroomApp({ outdir, context: { ...cdkJson.context, ...options.context } }).app.synth();
    }
    const starting = [
      owned(startDynamoDbLocal()),
      owned(startTestAnvil()),
      createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE }),
    ] as const;
    // Each settled before any failure is thrown, so that what did start is stopped.
    await Promise.allSettled(starting);
    const [dynamo, chain, issuer] = await Promise.all(starting);

    // The identity provider's JWKS, as the functions fetch it (loopback http is the one non-https URL allowed).
    const jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [{ ...issuer.publicJwk, kid: undefined }] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    teardowns.push(() => new Promise((resolve) => jwks.close(resolve)));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    const config = anvilChainConfig(chain.rpcUrl, chain.chain.id, { confirmations: 1, stuckAfterSeconds: 30 });
    // Amounts in base units as decimal strings, as the parameters carry them.
    const json = (value: unknown) =>
      JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? field.toString() : field));
    const chains = json([config]);

    let enclave: RehearsalOptions['enclave'];
    if (options.enclave !== undefined) {
      const { log } = options.enclave;
      const dir = mkdtempSync(join(tmpdir(), 'strongroom-rehearsal-enclave-'));
      teardowns.push(() => rmSync(dir, { recursive: true, force: true }));
      enclave = {
        stackName: ENCLAVE_HOST_STACK,
        start: (deployed) => startRehearsalEnclave({ dir, dynamoDbEndpoint: dynamo.endpoint, log }, deployed),
      };
    }

    const rehearsal = await owned(
      startRehearsal({
        cdkOut: outdir,
        dynamoDbEndpoint: dynamo.endpoint,
        waitTimeScale: 0.05,
        enclave,
        parameters: async ({ standIns, keyIdsByPurpose }) => {
          // After the stateful stack's first deploy, the operator reads the approval key's address (README, "Deploying").
          const kms = kmsClient({
            endpoint: standIns.endpoints.kms,
            region: standIns.region,
            credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' },
          });
          const approvalKeyAddress = await new KmsKeyVault(kms).addressOf(keyIdsByPurpose.get('approval') as string);
          return {
            StrongroomStateless: {
              Chains: chains,
              ApprovalKeyAddress: approvalKeyAddress,
              JwtIssuer: ISSUER,
              JwtAudience: AUDIENCE,
              JwtJwksUrl: jwksUrl,
              ConfirmationPollSeconds: '1',
              CoSignerCaps: json(options.coSignerCaps ?? REHEARSAL_CO_SIGNER_CAPS),
            },
          };
        },
      }),
    );

    const call: RehearsalUnderTest['call'] = async (routeKey, token, callOptions = {}) => {
      const result = await rehearsal.request(routeKey, {
        ...callOptions,
        headers: { authorization: `Bearer ${token}`, ...callOptions.headers },
      });
      return { status: result.status, body: result.body as RehearsalResponseBody };
    };
    const deposit: RehearsalUnderTest['deposit'] = async (wallet, amount, adminToken) => {
      const funder = chain.walletClient(1);
      const hash = await funder.sendTransaction({ to: wallet.address, value: amount });
      await chain.publicClient.waitForTransactionReceipt({ hash });
      await chain.testClient.mine({ blocks: 2 });
      await poll(async () => {
        await rehearsal.invoke('FunctionsWatchDeposits');
        const view = await call('GET /v1/wallets/{id}', adminToken, { pathParameters: { id: wallet.id } });
        const balances = view.body.balances as { asset: string; available: string }[];
        return BigInt(balances.find((b) => b.asset === 'native')?.available ?? '0') >= amount ? true : undefined;
      }, 'the deposit to be credited');
    };
    return { rehearsal, dynamo, chain, issuer, call, deposit, stop };
  } catch (error) {
    // What failed the start is the error to report; a failure while undoing it would hide it.
    await stop().catch(() => undefined);
    throw error;
  }
}
