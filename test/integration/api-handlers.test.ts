import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { getAddress, isAddress } from 'viem';
import { LocalKeyVault } from '../../lambdas/adapters/local/local-key-vault';
import { OutboxNotifier } from '../../lambdas/adapters/local/outbox-notifier';
import { Composer, type Ports } from '../../lambdas/composition/compose';
import { NO_METRICS } from '../../lambdas/observability/metrics';
import { API_FUNCTION_DEFINITIONS, createHandlers } from '../../local/local-functions';
import type { Address } from '../../lambdas/domain/address';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import type { Role } from '../../lambdas/domain/principal';
import type { ApiLambdaHandler } from '../../lambdas/handlers/api/http/api-handler';
import type { WorkflowEngine, WorkflowStart } from '../../lambdas/ports/workflow-engine';
import { createDevTokenIssuer, type DevTokenIssuer } from '../../local/dev-tokens';
import { verifyAuditTrail } from '../../scripts/verify-audit-trail';
import { apiGatewayEvent, lambdaContext } from '../support/api-gateway-event';
import { anvilChainConfig } from '../support/custody-chain';
import { freshTables } from '../support/dynamodb';

// anvil's well-known accounts: real checksummed addresses to send to; TOKEN is a configured ERC-20.
const ALICE: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TOKEN: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const ETH = 10n ** 18n;

/** Records what the API starts; runs nothing (the workflow has its own tests). */
class RecordingWorkflow implements WorkflowEngine {
  readonly starts: { name: string; input: object }[] = [];
  async start(executionName: string, input: object): Promise<WorkflowStart> {
    this.starts.push({ name: executionName, input });
    return { executionArn: `arn:local:execution:${executionName}`, started: true };
  }
  async sendTaskSuccess(): Promise<void> {}
  async sendTaskFailure(): Promise<void> {}
}

interface Handlers {
  wallets: ApiLambdaHandler;
  groups: ApiLambdaHandler;
  transactions: ApiLambdaHandler;
  approvals: ApiLambdaHandler;
  audit: ApiLambdaHandler;
  health: ApiLambdaHandler;
}

const workflow = new RecordingWorkflow();
const savedEnv = { ...process.env };
let issuer: DevTokenIssuer;
let handlers: Handlers;
let deps: Ports;
const tokens = {} as Record<'admin' | 'operator' | 'operator2' | 'approver' | 'auditor' | 'nobody' | 'expired', string>;
let chainId: number;

beforeAll(async () => {
  const tables = await freshTables();
  issuer = await createDevTokenIssuer({ issuer: 'strongroom-test', audience: 'strongroom-api' });
  const passphrase = 'api handlers test passphrase';
  const keyVault = await LocalKeyVault.open({ passphrase, testOnlyWeakKdf: true, scryptN: 1024 });
  const approvalKey = await keyVault.createKey({ ownerId: 'strongroom-api-test', purpose: 'approval' });
  const auditKey = await keyVault.createKey({ ownerId: 'strongroom-api-test', purpose: 'audit' });
  chainId = Number(process.env.STRONGROOM_TEST_ANVIL_CHAIN_ID);
  const chain = anvilChainConfig(process.env.STRONGROOM_TEST_ANVIL_RPC_URL as string, chainId, {
    tokens: [{ address: TOKEN, symbol: 'TST', decimals: 6 }],
  });
  Object.assign(process.env, {
    ...issuer.env,
    STRONGROOM_TABLES: JSON.stringify(tables.names),
    STRONGROOM_DYNAMODB_ENDPOINT: process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT,
    STRONGROOM_DEPLOYMENT_ID: 'strongroom-api-test',
    STRONGROOM_CHAINS: JSON.stringify([chain], (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    ),
    STRONGROOM_KEY_BACKEND: 'local',
    STRONGROOM_LOCAL_VAULT_PASSPHRASE: passphrase,
    STRONGROOM_LOCAL_VAULT_WEAK_KDF: 'true',
    STRONGROOM_LOCAL_SEALER_KEY: 'ab'.repeat(32),
    STRONGROOM_PAGE_TOKEN_KEY: 'cd'.repeat(32),
    STRONGROOM_APPROVAL_KEY_ID: approvalKey.keyId,
    STRONGROOM_APPROVAL_KEY_ADDRESS: approvalKey.address,
    STRONGROOM_AUDIT_KEY_ID: auditKey.keyId,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  // Built through the functions' own factories, with ports composed from their manifests, once the environment is set.
  const composer = new Composer(process.env, {
    keyVault,
    workflow,
    notifier: new OutboxNotifier(),
    metrics: NO_METRICS,
    publicBaseUrl: () => 'http://127.0.0.1:8080',
  });
  const api = (await createHandlers(composer, API_FUNCTION_DEFINITIONS)) as Record<
    keyof typeof API_FUNCTION_DEFINITIONS,
    ApiLambdaHandler
  >;
  handlers = {
    wallets: api.wallets,
    groups: api['approval-groups'],
    transactions: api.transactions,
    approvals: api.approvals,
    audit: api.audit,
    health: api.health,
  };
  deps = await composer.composeAll();
  const mint = (sub: string, roles: Role[], expiresInSeconds?: number) =>
    issuer.mint({ sub, roles, ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) });
  Object.assign(tokens, {
    admin: await mint('admin-1', ['admin']),
    operator: await mint('operator-1', ['operator']),
    operator2: await mint('operator-2', ['operator']),
    approver: await mint('approver-1', ['approver']),
    auditor: await mint('auditor-1', ['auditor']),
    nobody: await mint('nobody-1', []),
    expired: await mint('operator-1', ['operator'], 1),
  });
});

afterAll(() => {
  process.env = savedEnv;
});

interface Call {
  readonly token?: string | null;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are inspected field by field
  readonly body: any;
}

const handlerFor = (resource: string): ApiLambdaHandler => {
  if (resource.startsWith('/v1/wallets')) return handlers.wallets;
  if (resource.startsWith('/v1/approval-groups')) return handlers.groups;
  if (resource.startsWith('/v1/transactions')) return handlers.transactions;
  if (resource.startsWith('/v1/approvals')) return handlers.approvals;
  if (resource.startsWith('/v1/audit')) return handlers.audit;
  return handlers.health;
};

/** Sends one API Gateway proxy event for `METHOD /resource/{template}` to the Lambda that serves it. */
async function call(route: string, options: Call = {}): Promise<Answer> {
  const [method = 'GET', resource = '/'] = route.split(' ');
  const params = options.params ?? {};
  const path = resource.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? tokens.admin : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | null = null;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const event: APIGatewayProxyEvent = apiGatewayEvent({
    httpMethod: method,
    resource,
    path,
    pathParameters: Object.keys(params).length === 0 ? null : params,
    queryStringParameters: options.query ?? null,
    headers,
    body,
  });
  const result = (await handlerFor(resource)(event, lambdaContext())) as APIGatewayProxyResult;
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body === '' ? undefined : JSON.parse(result.body),
  };
}

const walletBody = (overrides: object = {}) => ({ name: 'Treasury hot', chainId, keyScheme: 'kms', ...overrides });
const transferBody = (walletId: string, overrides: object = {}) => ({
  walletId,
  to: ALICE,
  asset: 'native',
  amount: ETH.toString(),
  ...overrides,
});
const submit = (walletId: string, key: string, overrides: object = {}, token = tokens.operator) =>
  call('POST /v1/transactions', {
    token,
    headers: { 'Idempotency-Key': key },
    body: transferBody(walletId, overrides),
  });

async function fund(walletId: string, asset: 'native' | Address, amount: bigint): Promise<void> {
  const deposit = { depositId: `dep-${walletId}-${asset}`, walletId, asset, amount };
  await deps.ledger.post(depositSeen(deposit, new Date()));
  await deps.ledger.post(depositConfirmed(deposit, new Date()));
}

let walletId: string;
let frozenWalletId: string;
let groupId: string;
let transferId: string;
let transferTraceId: string;

describe('wallets', () => {
  it('an admin creates a kms wallet: 201 with a checksummed address, ACTIVE, and a location', async () => {
    const created = await call('POST /v1/wallets', { body: walletBody() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^w-[0-9a-f]{16}$/),
      name: 'Treasury hot',
      address: expect.any(String),
      chainId,
      keyScheme: 'kms',
      status: 'ACTIVE',
    });
    expect(isAddress(created.body.address, { strict: true })).toBe(true);
    expect(created.body.address).toBe(getAddress(created.body.address));
    expect(created.headers.location).toBe(`/v1/wallets/${created.body.id}`);
    walletId = created.body.id;
    // The custody key is the vault's, owned by the wallet: the key id is never shown.
    const wallet = await deps.wallets.get(walletId);
    expect(await deps.keyVault.addressOf(wallet!.keyId)).toBe(created.body.address);
    expect(JSON.stringify(created.body)).not.toContain(wallet!.keyId);

    const second = await call('POST /v1/wallets', { body: walletBody({ name: 'To be frozen' }) });
    expect(second.status).toBe(201);
    expect(second.body.address).not.toBe(created.body.address);
    frozenWalletId = second.body.id;
  });

  it('refuses enclave and mpc wallets with 503 ENCLAVE.UNAVAILABLE where no enclave is in reach (registering none), and a secp256k1 recovery key with 400', async () => {
    const before = (await call('GET /v1/wallets')).body.items.length;
    const enclave = await call('POST /v1/wallets', { body: walletBody({ keyScheme: 'enclave' }) });
    expect(enclave.status).toBe(503);
    expect(enclave.body.error).toMatchObject({ code: 'ENCLAVE.UNAVAILABLE' });
    expect((await call('GET /v1/wallets')).body.items.length).toBe(before);
    // An X25519 recovery key (32 bytes, base64url): the request is good, the enclave is not in reach.
    const mpc = await call('POST /v1/wallets', {
      body: walletBody({ keyScheme: 'mpc', recoveryPublicKey: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' }),
    });
    expect(mpc.status).toBe(503);
    expect(mpc.body.error.code).toBe('ENCLAVE.UNAVAILABLE');
    expect((await call('GET /v1/wallets')).body.items.length).toBe(before);
    const secp256k1 = await call('POST /v1/wallets', {
      body: walletBody({
        keyScheme: 'mpc',
        recoveryPublicKey: `0x02${'79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'}`,
      }),
    });
    expect(secp256k1.status).toBe(400);
    expect(secp256k1.body.error).toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
      details: { field: 'recoveryPublicKey' },
    });
  });

  it('approval groups: an admin creates one (201, id of ours), an auditor reads it, an unknown id is 404', async () => {
    const created = await call('POST /v1/approval-groups', {
      body: {
        name: 'Treasury',
        members: [
          { id: 'approver-1', name: 'Ann', notify: { email: 'ann@example.com' } },
          { id: 'approver-2', name: 'Bo' },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^g-[0-9a-f]{16}$/), name: 'Treasury' });
    groupId = created.body.id;
    const read = await call('GET /v1/approval-groups/{id}', { token: tokens.auditor, params: { id: groupId } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    const missing = await call('GET /v1/approval-groups/{id}', { params: { id: 'g-0000000000000000' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('APPROVAL.GROUP_NOT_FOUND');
  });

  it('sets a policy as version 1, then 2; a stale explicit version is 409', async () => {
    const v1 = await call('PUT /v1/wallets/{id}/policy', {
      params: { id: walletId },
      body: {
        rules: [
          {
            id: 'small',
            match: { assets: ['native'], amount: { max: (5n * ETH).toString() } },
            action: { type: 'ALLOW' },
          },
        ],
      },
    });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ walletId, version: 1 });
    const v2 = await call('PUT /v1/wallets/{id}/policy', {
      params: { id: walletId },
      body: {
        rules: [
          {
            id: 'small',
            match: { assets: ['native'], amount: { max: (5n * ETH).toString() } },
            action: { type: 'ALLOW' },
          },
          {
            id: 'large',
            match: {},
            action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: groupId, timeoutSeconds: 600 },
          },
        ],
      },
    });
    expect(v2.status).toBe(200);
    expect(v2.body.version).toBe(2);
    expect(v2.body.policy.rules).toHaveLength(2);
    const stale = await call('PUT /v1/wallets/{id}/policy', {
      params: { id: walletId },
      body: { version: 2, rules: [] },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ field: 'version', expectedVersion: 3 });
    expect((await call('GET /v1/wallets/{id}', { params: { id: walletId } })).body.policyVersion).toBe(2);
  });

  it('GET shows the balances of native and every configured token, as decimal strings', async () => {
    await fund(walletId, 'native', 10n * ETH);
    await fund(walletId, TOKEN, 500n);
    const read = await call('GET /v1/wallets/{id}', { token: tokens.operator, params: { id: walletId } });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: walletId,
      status: 'ACTIVE',
      policyVersion: 2,
      chainId,
      auditTraceId: `wallet.${walletId}`,
    });
    expect(read.body.balances).toEqual([
      {
        asset: 'native',
        available: (10n * ETH).toString(),
        settled: (10n * ETH).toString(),
        reserved: '0',
        pendingOut: '0',
        pendingIn: '0',
      },
      {
        asset: TOKEN,
        symbol: 'TST',
        decimals: 6,
        available: '500',
        settled: '500',
        reserved: '0',
        pendingOut: '0',
        pendingIn: '0',
      },
    ]);
    expect(read.body).not.toHaveProperty('keyId');
  });

  it('lists wallets newest first, a page at a time', async () => {
    const first = await call('GET /v1/wallets', { token: tokens.auditor, query: { limit: '1' } });
    expect(first.status).toBe(200);
    expect(first.body.items.map((w: { id: string }) => w.id)).toEqual([frozenWalletId]);
    expect(first.body.nextToken).toEqual(expect.any(String));
    const second = await call('GET /v1/wallets', {
      token: tokens.auditor,
      query: { limit: '1', nextToken: first.body.nextToken },
    });
    expect(second.body.items.map((w: { id: string; status: string }) => [w.id, w.status])).toEqual([
      [walletId, 'ACTIVE'],
    ]);
  });

  it('freeze (an operator may): submits are refused 422 WALLET.NOT_ACTIVE; unfreeze needs an admin (an operator gets 403)', async () => {
    const frozen = await call('POST /v1/wallets/{id}/freeze', {
      token: tokens.operator,
      params: { id: frozenWalletId },
      body: { reason: 'suspicious activity' },
    });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toEqual({ id: frozenWalletId, status: 'FROZEN' });
    await fund(frozenWalletId, 'native', 10n * ETH);
    const refused = await submit(frozenWalletId, 'frozen-wallet-submit-1');
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'WALLET.NOT_ACTIVE',
      details: { walletId: frozenWalletId, status: 'FROZEN' },
    });

    const again = await call('POST /v1/wallets/{id}/freeze', {
      token: tokens.operator,
      params: { id: frozenWalletId },
      body: { reason: 'twice' },
    });
    expect(again.status).toBe(409);
    const byOperator = await call('POST /v1/wallets/{id}/unfreeze', {
      token: tokens.operator,
      params: { id: frozenWalletId },
      body: { reason: 'cleared' },
    });
    expect(byOperator.status).toBe(403);
    expect(byOperator.body.error).toMatchObject({ code: 'AUTH.FORBIDDEN', details: { requiredRoles: ['admin'] } });
    expect((await call('GET /v1/wallets/{id}', { params: { id: frozenWalletId } })).body).toMatchObject({
      status: 'FROZEN',
      frozen: { by: 'operator-1', reason: 'suspicious activity' },
    });

    const unfrozen = await call('POST /v1/wallets/{id}/unfreeze', {
      params: { id: frozenWalletId },
      body: { reason: 'cleared by compliance' },
    });
    expect(unfrozen.status).toBe(200);
    // No governance group in this test: the unfreeze applies at once, and says why.
    expect(unfrozen.body).toEqual({ id: frozenWalletId, status: 'ACTIVE', governance: 'NOT_BOOTSTRAPPED' });
  });
});

describe('transactions', () => {
  it('submits a transfer: 202 {id, status, traceId}; the workflow is started once; GET shows it', async () => {
    const accepted = await submit(walletId, 'transfer-key-0001', { note: 'payout 1' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      id: expect.stringMatching(/^tx-[0-9a-f]{32}$/),
      status: expect.any(String),
      traceId: accepted.headers['x-strongroom-trace-id'],
    });
    transferId = accepted.body.id;
    transferTraceId = accepted.body.traceId;
    expect(workflow.starts).toEqual([
      { name: transferId, input: { transferId, step: { stream: expect.stringContaining(transferId) } } },
    ]);

    const read = await call('GET /v1/transactions/{id}', { token: tokens.approver, params: { id: transferId } });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: transferId,
      status: accepted.body.status,
      walletId,
      to: ALICE,
      asset: 'native',
      amount: ETH.toString(),
      note: 'payout 1',
      traceId: transferTraceId,
      initiatorId: 'operator-1',
    });
    expect(read.body.events.map((e: { seq: number; type: string; actor: string }) => [e.seq, e.type])).toEqual([
      [1, 'SUBMITTED'],
      [2, 'EXECUTION_STARTED'],
    ]);
    expect(Object.keys(read.body.events[0]).sort()).toEqual(['actor', 'at', 'seq', 'type']);

    // The reservation: amount plus fee allowance, out of the available balance.
    const balances = (await call('GET /v1/wallets/{id}', { params: { id: walletId } })).body.balances[0];
    expect(BigInt(balances.reserved)).toBeGreaterThan(ETH);
    expect(BigInt(balances.available) + BigInt(balances.reserved)).toBe(10n * ETH);
  });

  it('the same key and body answers the same transfer; the same key with another body is 409', async () => {
    const again = await submit(walletId, 'transfer-key-0001', { note: 'payout 1' });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(transferId);
    expect(again.body.traceId).toBe(transferTraceId);
    const reused = await submit(walletId, 'transfer-key-0001', { note: 'payout 1', amount: '2' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(workflow.starts).toHaveLength(1);
  });

  it('422 LEDGER.INSUFFICIENT_FUNDS when the balance is short, and nothing is recorded', async () => {
    const short = await submit(walletId, 'transfer-key-short', { amount: (10n * ETH).toString() });
    expect(short.status).toBe(422);
    expect(short.body.error.code).toBe('LEDGER.INSUFFICIENT_FUNDS');
    const listed = await call('GET /v1/transactions', { token: tokens.auditor, query: { walletId } });
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([transferId]);
    expect(workflow.starts).toHaveLength(1);
  });

  it('lists by wallet and by status', async () => {
    const byWallet = await call('GET /v1/transactions', { token: tokens.operator, query: { walletId } });
    expect(byWallet.status).toBe(200);
    expect(byWallet.body.items).toEqual([expect.objectContaining({ id: transferId, walletId })]);
    const status = byWallet.body.items[0].status as string;
    const byStatus = await call('GET /v1/transactions', { token: tokens.operator, query: { status, limit: '10' } });
    expect(byStatus.body.items.map((t: { id: string }) => t.id)).toContain(transferId);
    const none = await call('GET /v1/transactions', { token: tokens.operator, query: { status: 'COMPLETED' } });
    expect(none.body.items).toEqual([]);
  });

  it('a forged, altered or swapped page token is 400 REQUEST.INVALID_FIELD naming nextToken, never a query', async () => {
    const list = (query: Record<string, string>) => call('GET /v1/transactions', { token: tokens.operator, query });
    const refusedToken = {
      error: expect.objectContaining({ code: 'REQUEST.INVALID_FIELD', details: { field: 'nextToken' } }),
    };
    // The right attribute names and another partition: DynamoDB would answer ValidationException (a 500).
    const forged = Buffer.from(
      JSON.stringify({ pk: 'TX#tx-0', walletId: 'w-0000000000000000', createdKey: '2026-01-01T00:00:00.000Z#tx-0' }),
    ).toString('base64url');
    const forgedAnswer = await list({ walletId, nextToken: forged });
    expect(forgedAnswer.status).toBe(400);
    expect(forgedAnswer.body).toEqual(refusedToken);

    const first = await list({ walletId, limit: '1' });
    const issued = first.body.nextToken as string;
    expect(issued).toEqual(expect.any(String));
    expect((await list({ walletId, limit: '1', nextToken: issued })).status).toBe(200);
    const altered = `${issued.startsWith('A') ? 'B' : 'A'}${issued.slice(1)}`;
    const status = first.body.items[0].status as string;
    for (const query of <Record<string, string>[]>[
      { walletId, nextToken: altered },
      { walletId: frozenWalletId, nextToken: issued },
      { status, nextToken: issued },
    ]) {
      const answer = await list(query);
      expect([query, answer.status, answer.body]).toEqual([query, 400, refusedToken]);
    }
    const wallets = await call('GET /v1/wallets', { token: tokens.auditor, query: { nextToken: issued } });
    expect([wallets.status, wallets.body]).toEqual([400, refusedToken]);
  });

  it('cancel: 202 with the cancellation requested; GET shows it; another operator may cancel, an approver may not', async () => {
    const byApprover = await call('POST /v1/transactions/{id}/cancel', {
      token: tokens.approver,
      params: { id: transferId },
    });
    expect(byApprover.status).toBe(403);
    const cancelled = await call('POST /v1/transactions/{id}/cancel', {
      token: tokens.operator2,
      params: { id: transferId },
      body: { reason: 'wrong recipient' },
    });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toEqual({ id: transferId, status: expect.any(String), cancelRequested: true });
    const read = await call('GET /v1/transactions/{id}', { params: { id: transferId } });
    expect(read.body.cancelRequested).toEqual({ by: 'operator-2', at: expect.any(String) });
    expect(read.body.events.at(-1)).toMatchObject({ type: 'CANCEL_REQUESTED', actor: 'operator-2' });
    const twice = await call('POST /v1/transactions/{id}/cancel', { params: { id: transferId } });
    expect(twice.status).toBe(202);
    expect((await call('GET /v1/transactions/{id}', { params: { id: transferId } })).body.events).toHaveLength(
      read.body.events.length,
    );
  });
});

describe('approvals', () => {
  it('an approver reads an approval request as JSON: requirement, decisions, resolution; never its callback token', async () => {
    const createdAt = new Date();
    await deps.approvals.create(
      {
        id: 'ap-view-1',
        transferId,
        initiatorId: 'operator-1',
        requirement: { quorum: 1, groups: [{ group: groupId, quorum: 1 }], timeoutSeconds: 600 },
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 600_000),
      },
      'callback-token-secret-1',
    );
    await deps.approvals.decide({
      requestId: 'ap-view-1',
      approverId: 'approver-2',
      decision: 'reject',
      at: createdAt,
      comment: 'no',
    });
    const view = await call('GET /v1/approvals/{id}', { token: tokens.approver, params: { id: 'ap-view-1' } });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      id: 'ap-view-1',
      transferId,
      initiatorId: 'operator-1',
      requirement: { quorum: 1 },
      decisions: [{ approverId: 'approver-2', decision: 'reject' }],
    });
    expect(view.body).not.toHaveProperty('resolution');
    expect(JSON.stringify(view.body)).not.toContain('callback-token-secret-1');
  });
});

describe('audit and health', () => {
  it("the transfer's audit trail verifies against a signed checkpoint; so does the wallet's registry trail", async () => {
    await deps.audit.writeCheckpoint(new Date());
    const trail = await call('GET /v1/audit/{traceId}', {
      token: tokens.auditor,
      params: { traceId: transferTraceId },
    });
    expect(trail.status).toBe(200);
    expect(trail.body).toMatchObject({ traceId: transferTraceId, verified: true, checkpointId: 'checkpoint-1' });
    // The response alone, with the audit key's address, is enough for a client to verify the trail.
    const auditKeyAddress = await deps.keyVault.addressOf(process.env.STRONGROOM_AUDIT_KEY_ID as string);
    expect(await verifyAuditTrail(trail.body, auditKeyAddress)).toEqual({
      verified: true,
      checkpointNumber: '1',
      problems: [],
    });
    expect(trail.body.records.map((r: { action: string; actor: string }) => [r.action, r.actor])).toEqual([
      ['TRANSFER_SUBMITTED', 'operator-1'],
      ['CANCEL_REQUESTED', 'operator-2'],
    ]);
    const walletTrail = await call('GET /v1/audit/{traceId}', { params: { traceId: `wallet.${walletId}` } });
    expect(walletTrail.body.verified).toBe(true);
    expect(walletTrail.body.records.map((r: { action: string }) => r.action)).toEqual([
      'WALLET_CREATED',
      'POLICY_SET',
      'POLICY_SET',
    ]);
    const frozenTrail = await call('GET /v1/audit/{traceId}', {
      token: tokens.auditor,
      params: { traceId: `wallet.${frozenWalletId}` },
    });
    expect(frozenTrail.body.records.map((r: { action: string; actor: string }) => [r.action, r.actor])).toEqual([
      ['WALLET_CREATED', 'admin-1'],
      ['WALLET_FROZEN', 'operator-1'],
      ['WALLET_UNFROZEN', 'admin-1'],
    ]);
  });

  it("a client's trace id naming another transfer's trace is ignored: that trail keeps one transfer, the new one gets a fresh trace", async () => {
    const created = await call('POST /v1/wallets', { body: walletBody({ name: 'Trace injection' }) });
    expect(created.status).toBe(201);
    await fund(created.body.id, 'native', 10n * ETH);
    const recordsBefore = (await deps.audit.trail(transferTraceId)).records.length;

    const injected = await call('POST /v1/transactions', {
      token: tokens.operator,
      headers: { 'Idempotency-Key': 'trace-injection-0001', 'x-strongroom-trace-id': transferTraceId },
      body: transferBody(created.body.id),
    });
    expect(injected.status).toBe(202);
    expect(injected.body.id).not.toBe(transferId);
    expect(injected.body.traceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(injected.body.traceId).not.toBe(transferTraceId);
    expect(injected.headers['x-strongroom-trace-id']).toBe(injected.body.traceId);
    expect(injected.headers['x-strongroom-client-trace-id']).toBe(transferTraceId);

    const victim = await call('GET /v1/audit/{traceId}', {
      token: tokens.auditor,
      params: { traceId: transferTraceId },
    });
    expect(victim.body.verified).toBe(true);
    expect(victim.body.records.filter((r: { action: string }) => r.action === 'TRANSFER_SUBMITTED')).toHaveLength(1);
    expect(victim.body.records).toHaveLength(recordsBefore);
    const own = await call('GET /v1/audit/{traceId}', {
      token: tokens.auditor,
      params: { traceId: injected.body.traceId },
    });
    expect(own.body.records.map((r: { action: string }) => r.action)).toEqual(['TRANSFER_SUBMITTED']);

    // Kept only as a correlation field: stored with the SUBMITTED event and shown with the transfer.
    const view = await call('GET /v1/transactions/{id}', { token: tokens.auditor, params: { id: injected.body.id } });
    expect(view.body).toMatchObject({ traceId: injected.body.traceId, clientTraceId: transferTraceId });
    const [submitted] = await deps.events.read(injected.body.id);
    expect(submitted).toMatchObject({ type: 'SUBMITTED', data: { clientTraceId: transferTraceId } });
  });

  it('health: 200 ok with DynamoDB and the chain checked, without a token', async () => {
    const health = await call('GET /v1/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', checks: { dynamodb: 'ok', chains: { [String(chainId)]: 'ok' } } });
  });
});

describe('bad requests', () => {
  const LONG = 'x'.repeat(70 * 1024);
  const noneToken = () =>
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'admin-1', roles: ['admin'], iss: 'strongroom-test', aud: 'strongroom-api', exp: 4_000_000_000 })).toString('base64url')}.`;

  /** The last element: the field a 400 must name, or details the error must carry. */
  type Case = [
    name: string,
    route: string,
    call: () => Call,
    status: number,
    code: string,
    details?: string | Record<string, unknown>,
  ];
  const cases: Case[] = [
    ['malformed JSON', 'POST /v1/wallets', () => ({ body: '{"name": "x",' }), 400, 'REQUEST.MALFORMED_JSON'],
    ['a JSON array body', 'POST /v1/wallets', () => ({ body: [walletBody()] }), 400, 'REQUEST.INVALID_BODY'],
    [
      'chainId as a string',
      'POST /v1/wallets',
      () => ({ body: walletBody({ chainId: String(chainId) }) }),
      400,
      'REQUEST.INVALID_FIELD',
      'chainId',
    ],
    [
      'a missing name',
      'POST /v1/wallets',
      () => ({ body: { chainId, keyScheme: 'kms' } }),
      400,
      'REQUEST.MISSING_FIELD',
      'name',
    ],
    [
      'an unknown field',
      'POST /v1/wallets',
      () => ({ body: walletBody({ keyId: 'mine' }) }),
      400,
      'REQUEST.UNKNOWN_FIELD',
      'keyId',
    ],
    [
      'an unknown key scheme',
      'POST /v1/wallets',
      () => ({ body: walletBody({ keyScheme: 'hsm' }) }),
      400,
      'REQUEST.INVALID_FIELD',
      'keyScheme',
    ],
    [
      'a chain that is not configured',
      'POST /v1/wallets',
      () => ({ body: walletBody({ chainId: 999_999 }) }),
      400,
      'CHAIN.UNKNOWN',
      'chainId',
    ],
    [
      'an oversized body',
      'POST /v1/wallets',
      () => ({ body: walletBody({ name: LONG }) }),
      413,
      'REQUEST.BODY_TOO_LARGE',
    ],
    [
      'a body that is not JSON',
      'POST /v1/wallets',
      () => ({ body: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    ],
    ['no token', 'POST /v1/wallets', () => ({ token: null, body: walletBody() }), 401, 'AUTH.MISSING_TOKEN'],
    [
      'an expired token',
      'POST /v1/wallets',
      () => ({ token: tokens.expired, body: walletBody() }),
      401,
      'AUTH.INVALID_TOKEN',
      { reason: 'expired' },
    ],
    [
      'a token of another issuer key (forged)',
      'GET /v1/wallets',
      () => ({ token: forged }),
      401,
      'AUTH.INVALID_TOKEN',
      { reason: 'bad_signature' },
    ],
    [
      'an unsigned token (alg none)',
      'POST /v1/wallets',
      () => ({ token: noneToken(), body: walletBody() }),
      401,
      'AUTH.INVALID_TOKEN',
      { reason: 'algorithm_not_allowed' },
    ],
    [
      'an operator creating a wallet',
      'POST /v1/wallets',
      () => ({ token: tokens.operator, body: walletBody() }),
      403,
      'AUTH.FORBIDDEN',
    ],
    ['a token without roles', 'GET /v1/wallets', () => ({ token: tokens.nobody }), 403, 'AUTH.FORBIDDEN'],
    ['an approver reading wallets', 'GET /v1/wallets', () => ({ token: tokens.approver }), 403, 'AUTH.FORBIDDEN'],
    [
      'an unknown query parameter',
      'GET /v1/wallets',
      () => ({ query: { limt: '5' } }),
      400,
      'REQUEST.UNKNOWN_FIELD',
      'limt',
    ],
    ['a limit of 0', 'GET /v1/wallets', () => ({ query: { limit: '0' } }), 400, 'REQUEST.INVALID_FIELD', 'limit'],
    ['a limit of 101', 'GET /v1/wallets', () => ({ query: { limit: '101' } }), 400, 'REQUEST.INVALID_FIELD', 'limit'],
    [
      'a forged page token',
      'GET /v1/wallets',
      () => ({ query: { nextToken: Buffer.from('{"pk":"WALLET#x","sk":"1"}').toString('base64url') } }),
      400,
      'REQUEST.INVALID_FIELD',
      'nextToken',
    ],
    [
      'a wallet id with spaces',
      'GET /v1/wallets/{id}',
      () => ({ params: { id: 'w 1' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'id',
    ],
    [
      'an unknown wallet',
      'GET /v1/wallets/{id}',
      () => ({ params: { id: 'w-0000000000000000' } }),
      404,
      'WALLET.NOT_FOUND',
    ],
    [
      'a method the route does not take',
      'DELETE /v1/wallets/{id}',
      () => ({ params: { id: walletId } }),
      405,
      'ROUTE.METHOD_NOT_ALLOWED',
    ],
    [
      'a policy naming an unknown group',
      'PUT /v1/wallets/{id}/policy',
      () => ({
        params: { id: walletId },
        body: {
          rules: [
            {
              id: 'r',
              match: {},
              action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: 'g-nope', timeoutSeconds: 60 },
            },
          ],
        },
      }),
      400,
      'POLICY.INVALID',
    ],
    [
      'a policy with a misspelt criterion',
      'PUT /v1/wallets/{id}/policy',
      () => ({
        params: { id: walletId },
        body: { rules: [{ id: 'r', match: { asset: ['native'] }, action: { type: 'ALLOW' } }] },
      }),
      400,
      'POLICY.INVALID',
    ],
    [
      'a policy for an unknown wallet',
      'PUT /v1/wallets/{id}/policy',
      () => ({ params: { id: 'w-0000000000000000' }, body: { rules: [] } }),
      404,
      'WALLET.NOT_FOUND',
    ],
    [
      'a freeze without a reason',
      'POST /v1/wallets/{id}/freeze',
      () => ({ params: { id: walletId }, body: {} }),
      400,
      'REQUEST.MISSING_FIELD',
      'reason',
    ],
    [
      'a freeze without a body',
      'POST /v1/wallets/{id}/freeze',
      () => ({ params: { id: walletId } }),
      400,
      'REQUEST.MISSING_FIELD',
      'reason',
    ],
    [
      'a freeze reason over 256 characters',
      'POST /v1/wallets/{id}/freeze',
      () => ({ params: { id: walletId }, body: { reason: 'r'.repeat(257) } }),
      400,
      'REQUEST.INVALID_FIELD',
      'reason',
    ],
    [
      'a freeze reason as a number',
      'POST /v1/wallets/{id}/freeze',
      () => ({ params: { id: walletId }, body: { reason: 42 } }),
      400,
      'REQUEST.INVALID_FIELD',
      'reason',
    ],
    [
      'an auditor freezing',
      'POST /v1/wallets/{id}/freeze',
      () => ({ token: tokens.auditor, params: { id: walletId }, body: { reason: 'x' } }),
      403,
      'AUTH.FORBIDDEN',
    ],
    [
      'a group without members',
      'POST /v1/approval-groups',
      () => ({ body: { name: 'Empty', members: [] } }),
      400,
      'APPROVAL.INVALID_GROUP',
      'members',
    ],
    [
      'a group member with two channels',
      'POST /v1/approval-groups',
      () => ({
        body: { name: 'G', members: [{ id: 'a', name: 'A', notify: { email: 'a@example.com', sms: '+14155550100' } }] },
      }),
      400,
      'APPROVAL.INVALID_GROUP',
      'members[0].notify',
    ],
    [
      'an operator creating a group',
      'POST /v1/approval-groups',
      () => ({ token: tokens.operator, body: { name: 'G', members: [{ id: 'a', name: 'A' }] } }),
      403,
      'AUTH.FORBIDDEN',
    ],
    [
      'a submit without Idempotency-Key',
      'POST /v1/transactions',
      () => ({ token: tokens.operator, body: transferBody(walletId) }),
      400,
      'IDEMPOTENCY.MISSING_KEY',
      'Idempotency-Key',
    ],
    [
      'a too short Idempotency-Key',
      'POST /v1/transactions',
      () => ({ token: tokens.operator, headers: { 'Idempotency-Key': 'k1' }, body: transferBody(walletId) }),
      400,
      'IDEMPOTENCY.INVALID_KEY',
    ],
    [
      'a recipient with a bad checksum',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0001' },
        body: transferBody(walletId, { to: ALICE.replace('C5', 'c5') }),
      }),
      400,
      'ADDRESS.BAD_CHECKSUM',
      'to',
    ],
    [
      'a recipient that is not hex',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0002' },
        body: transferBody(walletId, { to: `0x${'zz'.repeat(20)}` }),
      }),
      400,
      'ADDRESS.NOT_HEX',
      'to',
    ],
    [
      'an amount as a JSON number',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0003' },
        body: transferBody(walletId, { amount: 1 }),
      }),
      400,
      'MONEY.INVALID_TYPE',
      'amount',
    ],
    [
      'a fractional amount',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0004' },
        body: transferBody(walletId, { amount: '1.5' }),
      }),
      400,
      'MONEY.FRACTIONAL',
      'amount',
    ],
    [
      'a negative amount',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0005' },
        body: transferBody(walletId, { amount: '-1' }),
      }),
      400,
      'MONEY.NEGATIVE',
      'amount',
    ],
    [
      'an amount in exponent notation',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0006' },
        body: transferBody(walletId, { amount: '1e18' }),
      }),
      400,
      'MONEY.EXPONENT',
      'amount',
    ],
    [
      'an asset that is neither native nor an address',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0007' },
        body: transferBody(walletId, { asset: 'ETH' }),
      }),
      400,
      'ASSET.INVALID',
      'asset',
    ],
    [
      'a raw gas field',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0008' },
        body: transferBody(walletId, { gas: '21000' }),
      }),
      400,
      'REQUEST.UNKNOWN_FIELD',
      'gas',
    ],
    [
      'an unknown wallet',
      'POST /v1/transactions',
      () => ({
        token: tokens.operator,
        headers: { 'Idempotency-Key': 'bad-request-0009' },
        body: transferBody('w-0000000000000000'),
      }),
      404,
      'WALLET.NOT_FOUND',
    ],
    [
      'an auditor submitting',
      'POST /v1/transactions',
      () => ({
        token: tokens.auditor,
        headers: { 'Idempotency-Key': 'bad-request-0010' },
        body: transferBody(walletId),
      }),
      403,
      'AUTH.FORBIDDEN',
    ],
    [
      'a listing without walletId or status',
      'GET /v1/transactions',
      () => ({}),
      400,
      'REQUEST.MISSING_FIELD',
      'walletId',
    ],
    [
      'a listing with both walletId and status',
      'GET /v1/transactions',
      () => ({ query: { walletId, status: 'SUBMITTED' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'status',
    ],
    [
      'a listing by an unknown status',
      'GET /v1/transactions',
      () => ({ query: { status: 'DONE' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'status',
    ],
    [
      'a listing by a malformed wallet id',
      'GET /v1/transactions',
      () => ({ query: { walletId: '../w' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'walletId',
    ],
    [
      'an unknown transfer',
      'GET /v1/transactions/{id}',
      () => ({ params: { id: 'tx-00000000000000000000000000000000' } }),
      404,
      'TRANSFER.NOT_FOUND',
    ],
    [
      'cancelling an unknown transfer',
      'POST /v1/transactions/{id}/cancel',
      () => ({ params: { id: 'tx-00000000000000000000000000000000' } }),
      404,
      'TRANSFER.NOT_FOUND',
    ],
    [
      'a cancel with an unknown field',
      'POST /v1/transactions/{id}/cancel',
      () => ({ params: { id: transferId }, body: { reason: 'x', force: true } }),
      400,
      'REQUEST.UNKNOWN_FIELD',
      'force',
    ],
    [
      'a decision that is neither approve nor reject',
      'POST /v1/approvals/{id}',
      () => ({ token: tokens.approver, params: { id: 'ap-0' }, body: { decision: 'maybe' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'decision',
    ],
    [
      'a decision on an unknown request',
      'POST /v1/approvals/{id}',
      () => ({ token: tokens.approver, params: { id: 'ap-00000000' }, body: { decision: 'approve' } }),
      404,
      'APPROVAL.REQUEST_NOT_FOUND',
    ],
    [
      'an operator deciding',
      'POST /v1/approvals/{id}',
      () => ({ token: tokens.operator, params: { id: 'ap-00000000' }, body: { decision: 'approve' } }),
      403,
      'AUTH.FORBIDDEN',
    ],
    [
      'reading an unknown approval request',
      'GET /v1/approvals/{id}',
      () => ({ token: tokens.approver, params: { id: 'ap-00000000' } }),
      404,
      'APPROVAL.REQUEST_NOT_FOUND',
    ],
    [
      'an unknown trace',
      'GET /v1/audit/{traceId}',
      () => ({ token: tokens.auditor, params: { traceId: 'no-such-trace-0001' } }),
      404,
      'AUDIT.TRACE_NOT_FOUND',
    ],
    [
      'an operator reading the audit trail',
      'GET /v1/audit/{traceId}',
      () => ({ token: tokens.operator, params: { traceId: transferTraceId } }),
      403,
      'AUTH.FORBIDDEN',
    ],
    [
      'a trace id that is not an id',
      'GET /v1/audit/{traceId}',
      () => ({ token: tokens.auditor, params: { traceId: 'TRACE#x' } }),
      400,
      'REQUEST.INVALID_FIELD',
      'traceId',
    ],
  ];

  let forged: string;
  let before: unknown;
  const snapshot = async () => ({
    wallets: (await deps.wallets.list({ limit: 100 })).items.map((w) => w.id),
    versions: await Promise.all([walletId, frozenWalletId].map(async (id) => (await deps.wallets.get(id))?.version)),
    groups: (await deps.groups.all()).map((g) => g.id),
    transfers: (await deps.events.listByWallet(walletId)).items.map((t) => [t.id, t.seq]),
    transferEvents: (await deps.events.read(transferId)).length,
    balances: await deps.ledger.balances(walletId, 'native'),
    audit: (await deps.audit.trail(transferTraceId)).records.length,
    workflowStarts: workflow.starts.length,
  });

  beforeAll(async () => {
    const other = await createDevTokenIssuer({ issuer: 'strongroom-test', audience: 'strongroom-api' });
    forged = await other.mint({ sub: 'admin-1', roles: ['admin'] });
    before = await snapshot();
    // The 1-second token minted at the start is expired by now, past the 5 s clock tolerance.
    const age =
      Date.now() - Number(JSON.parse(Buffer.from(tokens.expired.split('.')[1]!, 'base64url').toString()).exp) * 1000;
    if (age < 6_000) await new Promise((resolve) => setTimeout(resolve, 6_000 - age));
  });

  it(`has at least 25 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  // Objects, not tuples: jest takes a test function with more parameters than a row has for one that wants `done`.
  const rows = cases.map(([name, route, options, status, code, details]) => ({
    name,
    route,
    options,
    status,
    code,
    details: typeof details === 'string' ? { field: details } : details,
  }));
  it.each(rows)('$name: $route → $status $code', async ({ route, options, status, code, details }) => {
    const answer = await call(route, options());
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
    expect(answer.body).toEqual({
      error: {
        code,
        message: expect.any(String),
        details: expect.any(Object),
        traceId: answer.headers['x-strongroom-trace-id'],
      },
    });
    if (details !== undefined) expect(answer.body.error.details).toMatchObject(details);
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it('wrote nothing: wallets, versions, groups, transfers, balances, audit and workflow starts are as before', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
