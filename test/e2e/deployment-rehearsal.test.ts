import { parseEther, type Address } from 'viem';
import { MEMBER_ATTRIBUTE } from '../../lambdas/adapters/sns/sns-approval-notifier';
import { ALL_FUNCTIONS } from '../../lambdas/composition/functions';
import type { DevTokenIssuer } from '../../local/dev-tokens';
import type { DynamoDbLocal } from '../../local/dynamodb-local';
import { LambdaProcesses, type DeployedFunction } from '../../local/rehearsal/lambda-processes';
import type { Rehearsal } from '../../local/rehearsal/rehearsal';
import type { DedicatedTestChain } from '../support/anvil';
import { poll } from '../support/poll';
import {
  startRehearsalUnderTest,
  type RehearsalResponseBody,
  type RehearsalUnderTest,
} from '../support/rehearsal-under-test';

/**
 * The deployment rehearsal (issue 12): the CDK app synthesized with bundling, then every Lambda function
 * of the template run from its bundled asset in cdk.out, with the environment the template gives it and
 * each stack reference resolved to its stand-in (DynamoDB Local; local KMS, Step Functions, SNS, SQS
 * and Secrets Manager speaking the AWS protocols, reached through AWS_ENDPOINT_URL_*), the state machine
 * run from the template's DefinitionString and DefinitionSubstitutions, and requests entering through
 * the API functions as API Gateway's proxy integration would send them. Two transfers complete on anvil:
 * one the policy allows, one that waits for an approver.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

let underTest: RehearsalUnderTest;
let dynamo: DynamoDbLocal;
let chain: DedicatedTestChain;
let issuer: DevTokenIssuer;
let rehearsal: Rehearsal;
let call: RehearsalUnderTest['call'];
let deposit: RehearsalUnderTest['deposit'];

beforeAll(async () => {
  underTest = await startRehearsalUnderTest({ cdkOutEnvVar: 'STRONGROOM_REHEARSAL_CDK_OUT' });
  ({ dynamo, chain, issuer, rehearsal, call, deposit } = underTest);
}, 300_000);

afterAll(() => underTest?.stop(), 60_000);

async function transferStatus(id: string, token: string): Promise<RehearsalResponseBody> {
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
  await deposit({ id: walletId, address }, parseEther('5'), admin);

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
