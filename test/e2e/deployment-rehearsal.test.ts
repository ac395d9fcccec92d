import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, type Address } from 'viem';
import { kmsClient } from '../../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../../lambdas/adapters/kms/kms-key-vault';
import { MEMBER_ATTRIBUTE } from '../../lambdas/adapters/sns/sns-approval-notifier';
import { ALL_FUNCTIONS } from '../../lambdas/composition/functions';
import { buildStrongroomApp } from '../../lib/strongroom-app';
import { createDevTokenIssuer, type DevTokenIssuer } from '../../local/dev-tokens';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { LambdaProcesses, type DeployedFunction } from '../../local/rehearsal/lambda-processes';
import { startRehearsal, type Rehearsal } from '../../local/rehearsal/rehearsal';
import { startTestAnvil, type DedicatedTestChain } from '../support/anvil';
import { anvilChainConfig } from '../support/custody-chain';
import { poll } from '../support/poll';

/**
 * The deployment rehearsal (issue 12): the CDK app synthesized with bundling, then every Lambda function
 * of the template run from its bundled asset in cdk.out, with the environment the template gives it and
 * each stack reference resolved to its stand-in (DynamoDB Local; local KMS, Step Functions, SNS, SQS
 * and Secrets Manager speaking the AWS protocols, reached through AWS_ENDPOINT_URL_*), the state machine
 * run from the template's DefinitionString and DefinitionSubstitutions, and requests entering through
 * the API functions as API Gateway's proxy integration would send them. Two transfers complete on anvil:
 * one the policy allows, one that waits for an approver.
 */

const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const ISSUER = 'https://idp.rehearsal.example';
const AUDIENCE = 'strongroom-api';

let outdir: string;
let dynamo: DynamoDbLocal;
let chain: DedicatedTestChain;
let issuer: DevTokenIssuer;
let jwks: Server;
let rehearsal: Rehearsal;

beforeAll(async () => {
  // Bundling as `cdk synth` does it: esbuild, locally, no Docker. (STRONGROOM_REHEARSAL_CDK_OUT: rehearse an
  // assembly synthesized already, to iterate on the rehearsal without a minute of bundling each time.)
  outdir = process.env.STRONGROOM_REHEARSAL_CDK_OUT ?? mkdtempSync(join(tmpdir(), 'strongroom-rehearsal-'));
  if (process.env.STRONGROOM_REHEARSAL_CDK_OUT === undefined)
    buildStrongroomApp({ outdir, context: cdkJson.context }).app.synth();
  [dynamo, chain, issuer] = await Promise.all([
    startDynamoDbLocal(),
    startTestAnvil(),
    createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE }),
  ]);
  // The identity provider's JWKS, as the functions fetch it (loopback http is the one non-https URL allowed).
  jwks = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [{ ...issuer.publicJwk, kid: undefined }] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  const config = anvilChainConfig(chain.rpcUrl, chain.chain.id, { confirmations: 1, stuckAfterSeconds: 30 });
  const chains = JSON.stringify([config], (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );

  rehearsal = await startRehearsal({
    cdkOut: outdir,
    dynamoDbEndpoint: dynamo.endpoint,
    waitTimeScale: 0.05,
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
        },
      };
    },
  });
}, 300_000);

afterAll(async () => {
  await rehearsal?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
  await Promise.all([dynamo?.stop(), chain?.stop()]);
  if (process.env.STRONGROOM_REHEARSAL_CDK_OUT === undefined) rmSync(outdir, { recursive: true, force: true });
}, 60_000);

type Json = Record<string, unknown>;

async function call(
  routeKey: string,
  token: string,
  options: { pathParameters?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json }> {
  const result = await rehearsal.request(routeKey, {
    ...options,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
  });
  return { status: result.status, body: result.body as Json };
}

async function transferStatus(id: string, token: string): Promise<Json> {
  return (await call('GET /v1/transactions/{id}', token, { pathParameters: { id } })).body;
}

it('deploys one function per handler, each started from its bundle with the template’s environment', () => {
  const functions = rehearsal.processes.functions();
  expect(functions).toHaveLength(ALL_FUNCTIONS.length);
  for (const fn of functions) expect(fn.environment.STRONGROOM_KEY_BACKEND ?? 'kms').toBe('kms');
  // Every route of the template's API reaches a function that is running.
  const arns = new Set(functions.map((fn) => fn.arn));
  expect(rehearsal.routes.size).toBeGreaterThan(10);
  for (const arn of rehearsal.routes.values()) expect(arns.has(arn)).toBe(true);
});

it('fails a function’s start when the template leaves out a variable it reads, naming the variable', async () => {
  const signer = rehearsal.processes.functions().find((fn) => fn.logicalId.startsWith('FunctionsSignKms'));
  expect(signer).toBeDefined();
  const { STRONGROOM_APPROVAL_KEY_ADDRESS: _dropped, ...environment } = signer?.environment ?? {};
  const alone = new LambdaProcesses({ ...rehearsal.standIns.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  try {
    await expect(
      alone.start({ ...(signer as DeployedFunction), logicalId: 'SignKmsWithoutItsAddress', environment }),
    ).rejects.toThrow('configuration: STRONGROOM_APPROVAL_KEY_ADDRESS is not set');
  } finally {
    await alone.stop();
  }
});

it('completes a transfer the policy allows and one that waits for an approver, through the bundled code', async () => {
  const admin = await issuer.mint({ sub: 'rehearsal-admin', roles: ['admin'] });
  const operator = await issuer.mint({ sub: 'rehearsal-operator', roles: ['operator'] });

  const created = await call('POST /v1/wallets', admin, {
    body: { name: 'rehearsal treasury', chainId: chain.chain.id, keyScheme: 'kms' },
  });
  expect(created.status).toBe(201);
  const walletId = created.body.id as string;
  const address = created.body.address as Address;

  // A deposit, credited by the scheduled watcher (invoked here as the schedule would).
  const funder = chain.walletClient(1);
  const hash = await funder.sendTransaction({ to: address, value: parseEther('5') });
  await chain.publicClient.waitForTransactionReceipt({ hash });
  await chain.testClient.mine({ blocks: 2 });
  await poll(async () => {
    await rehearsal.invoke('FunctionsWatchDeposits');
    const view = await call('GET /v1/wallets/{id}', admin, { pathParameters: { id: walletId } });
    const balances = view.body.balances as { asset: string; available: string }[];
    return BigInt(balances.find((b) => b.asset === 'native')?.available ?? '0') >= parseEther('5') ? true : undefined;
  }, 'the deposit to be credited');

  const group = await call('POST /v1/approval-groups', admin, {
    body: {
      name: 'treasury',
      requirePasskeys: false, // the rehearsal approves through the link's form, without a passkey
      members: [
        { id: 'alice', name: 'Alice' },
        { id: 'bob', name: 'Bob' },
      ],
    },
  });
  expect(group.status).toBe(201);
  const policy = await call('PUT /v1/wallets/{id}/policy', admin, {
    pathParameters: { id: walletId },
    body: {
      rules: [
        {
          id: 'small',
          match: { assets: ['native'], amount: { max: parseEther('1').toString() } },
          action: { type: 'ALLOW' },
        },
        {
          id: 'large',
          match: { assets: ['native'], amount: { min: (parseEther('1') + 1n).toString() } },
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.body.id, timeoutSeconds: 3600 },
        },
      ],
      limits: {},
    },
  });
  expect(policy.status).toBe(200);

  const submit = async (key: string, amount: bigint) => {
    const accepted = await call('POST /v1/transactions', operator, {
      headers: { 'idempotency-key': key },
      body: { walletId, to: RECIPIENT, asset: 'native', amount: amount.toString() },
    });
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };

  const allowed = await submit('rehearsal-allowed', parseEther('0.5'));
  const done = await poll(async () => {
    const state = await transferStatus(allowed, admin);
    return state.status === 'COMPLETED' || state.status === 'FAILED' ? state : undefined;
  }, 'the allowed transfer to end');
  expect(done.status).toBe('COMPLETED');

  // Each approver subscribes with a filter policy on their own id, as the README says to.
  const approversTopic = rehearsal.stacks
    .find((stack) => stack.name === 'StrongroomStateful')
    ?.refs.get(
      Object.entries(
        rehearsal.stacks.find((stack) => stack.name === 'StrongroomStateful')?.template.Resources ?? {},
      ).find(([id, resource]) => resource.Type === 'AWS::SNS::Topic' && id.includes('Approvers'))?.[0] ?? '',
    ) as string;
  const subscribe = (member: string) =>
    rehearsal.standIns.sns.subscribe({
      topicArn: approversTopic,
      protocol: 'email',
      endpoint: `${member}@example.com`,
      attributes: { FilterPolicy: JSON.stringify({ [MEMBER_ATTRIBUTE]: [member] }) },
    });
  const aliceSubscription = subscribe('alice');
  const bobSubscription = subscribe('bob');

  const waiting = await submit('rehearsal-approval', parseEther('2'));
  const pending = await poll(async () => {
    const state = await transferStatus(waiting, admin);
    return typeof state.approvalRequestId === 'string' ? state : undefined;
  }, 'the transfer to wait for approval');
  // The approvers' topic got one message per member, each with the member's id for its subscription's filter.
  const published = await poll(async () => {
    const messages = rehearsal.standIns.sns.published();
    return messages.length >= 2 ? messages : undefined;
  }, 'the approvers to be notified');
  expect(published.map((m) => m.messageAttributes[MEMBER_ATTRIBUTE]?.StringValue).sort()).toEqual(['alice', 'bob']);
  const requestId = pending.approvalRequestId as string;
  // Alice's message: her link alone, never in the subject. She opens it (a page, nothing written) and posts its form.
  const toAlice = published.find((m) => m.messageAttributes[MEMBER_ATTRIBUTE]?.StringValue === 'alice');
  const link = new URL(/https:\/\/\S+/.exec(toAlice?.message ?? '')?.[0] ?? 'https://missing');
  const secret = link.searchParams.get('t') ?? '';
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(link.pathname).toMatch(/\/live\/v1\/approvals\//);
  expect(toAlice?.subject ?? '').not.toContain(secret);
  expect(published.find((m) => m.messageAttributes[MEMBER_ATTRIBUTE]?.StringValue === 'bob')?.message).not.toContain(
    secret,
  );
  // Alice's subscription got her message alone; Bob's got his, which does not hold Alice's secret.
  const toAliceInbox = rehearsal.standIns.sns.deliveries(aliceSubscription);
  const toBobInbox = rehearsal.standIns.sns.deliveries(bobSubscription);
  expect(toAliceInbox).toHaveLength(1);
  expect(toBobInbox).toHaveLength(1);
  expect(toAliceInbox[0]?.body).toContain(secret);
  expect(toBobInbox[0]?.body).not.toContain(secret);
  const page = await rehearsal.request('GET /v1/approvals/{id}', {
    pathParameters: { id: requestId },
    query: { t: secret },
  });
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  const decided = await rehearsal.request('POST /v1/approvals/{id}', {
    pathParameters: { id: requestId },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: new URLSearchParams({ t: secret, decision: 'approve', comment: '' }).toString(),
  });
  expect(decided.status).toBe(200);
  const approved = await poll(async () => {
    const state = await transferStatus(waiting, admin);
    return state.status === 'COMPLETED' || state.status === 'FAILED' ? state : undefined;
  }, 'the approved transfer to end');
  expect(approved.status).toBe('COMPLETED');

  // Both were signed by the custody key in KMS (the stand-in), each proof by the approval key.
  expect(rehearsal.standIns.kms.callsOf('Sign')).toBeGreaterThanOrEqual(4);
  // The functions published their metrics as EMF lines (namespace Strongroom, the deployment as a dimension).
  const settleLogs = rehearsal.processes.logs('FunctionsSettle').join('\n');
  expect(settleLogs).toMatch(/"Namespace":"Strongroom"/);
}, 240_000);
