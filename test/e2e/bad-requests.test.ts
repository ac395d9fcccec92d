import { request as httpRequest } from 'node:http';
import { createPublicClient, createWalletClient, http, parseEther, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createDevTokenIssuer } from '../../local/dev-tokens';
import { startStackUnderTest, type ApiBody, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

// Bad requests over real HTTP against the whole local stack: every one answers its 4xx and the
// documented error body, never a 5xx, and none of them changes anything.

const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const CHAIN_ID = 31337;
const UNKNOWN_WALLET = 'w-0000000000000000';
const UNKNOWN_TRANSFER = 'tx-00000000000000000000000000000000';
const UNKNOWN_GROUP = 'g-0000000000000000';
const UNKNOWN_APPROVAL = 'ap-00000000';
const UNKNOWN_TRACE = 'no-such-trace-0001';
const TRANSFER_AMOUNT = parseEther('0.01');

let sut: StackUnderTest;
const tokens = {} as Record<
  'admin' | 'operator' | 'approver' | 'auditor' | 'nobody' | 'expired' | 'forged' | 'tampered',
  string
>;
let walletId: string;
let walletAddress: Address;
let groupId: string;
let transferId: string;
let transferTraceId: string;

async function ok(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<ApiBody> {
  const answer = await sut.call(method, path, {
    token,
    ...(body === undefined ? {} : { body }),
    ...(headers === undefined ? {} : { headers }),
  });
  if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const nativeOf = (wallet: ApiBody): ApiBody =>
  (wallet.balances as { asset: string }[]).find((b) => b.asset === 'native');
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  sut = await startStackUnderTest();
  Object.assign(tokens, {
    // Minted first: by the time the table runs it is long past its expiry and the 5 s clock tolerance.
    expired: await sut.stack.mint('e2e-operator', ['operator'], 1),
    admin: await sut.token('e2e-admin', ['admin']),
    operator: await sut.token('e2e-operator', ['operator']),
    approver: await sut.token('e2e-approver', ['approver']),
    auditor: await sut.token('e2e-auditor', ['auditor']),
    nobody: await sut.token('e2e-nobody', []),
  });
  // Another ES256 key with the same issuer and audience: a forgery the signature gives away.
  const other = await createDevTokenIssuer({ issuer: sut.stack.tokens.issuer, audience: sut.stack.tokens.audience });
  tokens.forged = await other.mint({ sub: 'e2e-admin', roles: ['admin'] });
  // A real operator token whose payload was edited to claim admin, signature kept.
  const [header = '', payload = '', signature = ''] = tokens.operator.split('.');
  tokens.tampered = `${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['admin'] })}.${signature}`;

  const wallet = await ok('POST', '/v1/wallets', tokens.admin, {
    name: 'bad requests e2e',
    chainId: CHAIN_ID,
    keyScheme: 'kms',
  });
  walletId = wallet.id;
  walletAddress = wallet.address;
  groupId = (
    await ok('POST', '/v1/approval-groups', tokens.admin, {
      name: 'e2e group',
      requirePasskeys: false,
      members: [
        { id: 'e2e-approver', name: 'Approver' },
        { id: 'e2e-other', name: 'Other' },
      ],
    })
  ).id;
  await ok('PUT', `/v1/wallets/${walletId}/policy`, tokens.admin, {
    rules: [
      {
        id: 'small',
        match: { assets: ['native'], amount: { max: parseEther('0.1').toString() } },
        action: { type: 'ALLOW' },
      },
      {
        id: 'large',
        match: { assets: ['native'], amount: { min: (parseEther('0.1') + 1n).toString() } },
        action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: groupId, timeoutSeconds: 3600 },
      },
    ],
    limits: {},
  });

  const chain = {
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [sut.stack.anvil.rpcUrl] } },
  } as const;
  const funder = createWalletClient({
    account: privateKeyToAccount(sut.stack.anvil.accounts[1]!.privateKey as Hex),
    chain,
    transport: http(sut.stack.anvil.rpcUrl),
  });
  const hash = await funder.sendTransaction({ to: walletAddress, value: parseEther('1') });
  await createPublicClient({ chain, transport: http(sut.stack.anvil.rpcUrl) }).waitForTransactionReceipt({ hash });
  await poll(
    async () =>
      BigInt(nativeOf(await ok('GET', `/v1/wallets/${walletId}`, tokens.admin)).available) >= parseEther('1')
        ? true
        : undefined,
    'the deposit to be credited',
  );

  const accepted = await ok(
    'POST',
    '/v1/transactions',
    tokens.operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: TRANSFER_AMOUNT.toString() },
    { 'idempotency-key': 'bad-requests-known-0001' },
  );
  transferId = accepted.id;
  transferTraceId = accepted.traceId;
  const done = await poll(async () => {
    const view = await ok('GET', `/v1/transactions/${transferId}`, tokens.operator);
    return ['COMPLETED', 'REJECTED', 'FAILED', 'EXPIRED', 'CANCELLED'].includes(view.status) ? view : undefined;
  }, 'the known transfer to finish');
  expect(done.status).toBe('COMPLETED');
  // Settled, nothing reserved or in flight: the state the table must leave untouched.
  await poll(async () => {
    const native = nativeOf(await ok('GET', `/v1/wallets/${walletId}`, tokens.admin));
    return native.reserved === '0' && native.pendingOut === '0' && native.pendingIn === '0' ? true : undefined;
  }, 'the wallet to settle');
}, 240_000);

afterAll(async () => {
  await sut?.stop();
}, 60_000);

/** Everything the table could have changed, read over the API. */
async function snapshot(): Promise<unknown> {
  const wallet = await ok('GET', `/v1/wallets/${walletId}`, tokens.admin);
  const transfer = await ok('GET', `/v1/transactions/${transferId}`, tokens.auditor);
  const audit = await ok('GET', `/v1/audit/${transferTraceId}`, tokens.auditor);
  const walletAudit = await ok('GET', `/v1/audit/${wallet.auditTraceId as string}`, tokens.auditor);
  return {
    wallets: (await ok('GET', '/v1/wallets?limit=100', tokens.admin)).items,
    wallet: {
      status: wallet.status,
      policyVersion: wallet.policyVersion,
      policy: wallet.policy,
      updatedAt: wallet.updatedAt,
      balances: wallet.balances,
    },
    group: await ok('GET', `/v1/approval-groups/${groupId}`, tokens.admin),
    transfers: (await ok('GET', `/v1/transactions?walletId=${walletId}`, tokens.operator)).items,
    transfer: { status: transfer.status, events: transfer.events, cancelRequested: transfer.cancelRequested },
    // Records only: `verified` and the covering checkpoint move on as the checkpoint sweep runs.
    audit: audit.records,
    walletAudit: walletAudit.records,
  };
}

interface Case {
  readonly name: string;
  readonly method: string;
  /** The request target, query included. */
  readonly path: () => string;
  readonly token?: () => string;
  /** Sent as JSON. */
  readonly body?: () => unknown;
  /** Sent as it is (no content-type unless `headers` gives one). */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  /** The field a 400 names, or details the error must carry. */
  readonly details?: string | Record<string, unknown>;
}

const wallet = (overrides: object = {}): object => ({
  name: 'never created',
  chainId: CHAIN_ID,
  keyScheme: 'kms',
  ...overrides,
});
const transfer = (overrides: object = {}): object => ({
  walletId,
  to: RECIPIENT,
  asset: 'native',
  amount: '1000',
  ...overrides,
});
let keySeq = 0;
const idem = (): Record<string, string> => ({ 'idempotency-key': `bad-request-${String(++keySeq).padStart(4, '0')}` });
const submit = (name: string, overrides: object, code: string, details?: Case['details'], status = 400): Case => ({
  name,
  method: 'POST',
  path: () => '/v1/transactions',
  token: () => tokens.operator,
  body: () => transfer(overrides),
  get headers() {
    return idem();
  },
  status,
  code,
  ...(details === undefined ? {} : { details }),
});
const LONG = 'x'.repeat(70 * 1024);
const noneToken = (): string =>
  `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'e2e-admin', roles: ['admin'], iss: sut.stack.tokens.issuer, aud: sut.stack.tokens.audience, exp: Math.floor(Date.now() / 1000) + 600 })}.`;

const cases: Case[] = [
  // Malformed bodies and media types, on every route that takes a body.
  {
    name: 'malformed JSON (wallet)',
    method: 'POST',
    path: () => '/v1/wallets',
    raw: '{"name": "x",',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
  },
  {
    name: 'malformed JSON (policy)',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    raw: '{"rules": [}',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
  },
  {
    name: 'malformed JSON (transfer)',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    raw: "{'walletId': 1}",
    get headers() {
      return { 'content-type': 'application/json', ...idem() };
    },
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
  },
  {
    name: 'malformed JSON (approval)',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    raw: '{"decision":',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
  },
  {
    name: 'malformed JSON (group)',
    method: 'POST',
    path: () => '/v1/approval-groups',
    raw: 'null,',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
  },
  {
    name: 'a JSON array as the body',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => [wallet()],
    status: 400,
    code: 'REQUEST.INVALID_BODY',
  },
  {
    name: 'a form body (text/plain)',
    method: 'POST',
    path: () => '/v1/wallets',
    raw: JSON.stringify(wallet()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body (urlencoded)',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    raw: 'walletId=w&amount=1',
    get headers() {
      return { 'content-type': 'application/x-www-form-urlencoded', ...idem() };
    },
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'JSON in another charset',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    raw: '{"rules":[]}',
    headers: { 'content-type': 'application/json; charset=latin1' },
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a body over 64 KiB (decided by the server)',
    method: 'POST',
    path: () => '/v1/wallets',
    raw: JSON.stringify(wallet({ name: LONG })),
    headers: { 'content-type': 'application/json' },
    status: 413,
    code: 'REQUEST.BODY_TOO_LARGE',
    details: { limitBytes: 65_536 },
  },
  {
    name: 'a transfer body over 64 KiB',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    raw: JSON.stringify(transfer({ note: LONG })),
    get headers() {
      return { 'content-type': 'application/json', ...idem() };
    },
    status: 413,
    code: 'REQUEST.BODY_TOO_LARGE',
  },

  // Wrong types and missing or unknown fields.
  {
    name: 'chainId as a string',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => wallet({ chainId: String(CHAIN_ID) }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'chainId',
  },
  {
    name: 'name as a number',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => wallet({ name: 42 }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'name',
  },
  {
    name: 'a missing name',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => ({ chainId: CHAIN_ID, keyScheme: 'kms' }),
    status: 400,
    code: 'REQUEST.MISSING_FIELD',
    details: 'name',
  },
  {
    name: 'an unknown key scheme',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => wallet({ keyScheme: 'hsm' }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'keyScheme',
  },
  {
    name: 'a chain that is not configured',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => wallet({ chainId: 1 }),
    status: 400,
    code: 'CHAIN.UNKNOWN',
    details: 'chainId',
  },
  {
    name: 'an unknown wallet field',
    method: 'POST',
    path: () => '/v1/wallets',
    body: () => wallet({ keyId: 'mine' }),
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'keyId',
  },
  {
    name: 'members that are not an array',
    method: 'POST',
    path: () => '/v1/approval-groups',
    body: () => ({ name: 'G', members: 'alice' }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'members',
  },
  {
    name: 'an unknown group field',
    method: 'POST',
    path: () => '/v1/approval-groups',
    body: () => ({ name: 'G', members: [{ id: 'a', name: 'A' }], quorum: 1 }),
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'quorum',
  },
  {
    name: 'a policy with a misspelt criterion',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    body: () => ({ rules: [{ id: 'r', match: { asset: ['native'] }, action: { type: 'ALLOW' } }] }),
    status: 400,
    code: 'POLICY.INVALID',
  },
  {
    name: 'a policy naming an unknown group',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    body: () => ({
      rules: [
        {
          id: 'r',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: UNKNOWN_GROUP, timeoutSeconds: 60 },
        },
      ],
    }),
    status: 400,
    code: 'POLICY.INVALID',
  },
  {
    name: 'a stale policy version',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    body: () => ({ version: 1, rules: [] }),
    status: 409,
    code: 'STORE.CONFLICT',
    details: { field: 'version', expectedVersion: 2 },
  },
  {
    name: 'a decision that is neither approve nor reject',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    body: () => ({ decision: 'maybe' }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'decision',
  },
  {
    name: 'a decision as a number',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    body: () => ({ decision: 1 }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'decision',
  },
  {
    name: 'an unknown decision field',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    body: () => ({ decision: 'approve', quorum: 2 }),
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'quorum',
  },
  {
    name: 'a freeze without a reason',
    method: 'POST',
    path: () => `/v1/wallets/${walletId}/freeze`,
    body: () => ({}),
    status: 400,
    code: 'REQUEST.MISSING_FIELD',
    details: 'reason',
  },
  {
    name: 'a freeze reason as a number',
    method: 'POST',
    path: () => `/v1/wallets/${walletId}/freeze`,
    body: () => ({ reason: 42 }),
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'reason',
  },
  {
    name: 'a cancel with an unknown field',
    method: 'POST',
    path: () => `/v1/transactions/${transferId}/cancel`,
    token: () => tokens.operator,
    body: () => ({ reason: 'x', force: true }),
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'force',
  },

  // Transfers: the idempotency key, addresses, assets and amounts.
  {
    name: 'a submit without Idempotency-Key',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    body: () => transfer(),
    status: 400,
    code: 'IDEMPOTENCY.MISSING_KEY',
    details: 'Idempotency-Key',
  },
  {
    name: 'a too short Idempotency-Key',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    body: () => transfer(),
    headers: { 'idempotency-key': 'k1' },
    status: 400,
    code: 'IDEMPOTENCY.INVALID_KEY',
  },
  submit('an unknown transfer field (raw gas)', { gas: '21000' }, 'REQUEST.UNKNOWN_FIELD', 'gas'),
  submit('an EIP-7702 authorizationList', { authorizationList: [] }, 'REQUEST.UNKNOWN_FIELD', 'authorizationList'),
  submit('walletId as a number', { walletId: 7 }, 'REQUEST.INVALID_FIELD', 'walletId'),
  submit('a recipient with a bad checksum', { to: RECIPIENT.replace('Cd', 'cd') }, 'ADDRESS.BAD_CHECKSUM', 'to'),
  submit('a recipient one hex digit short', { to: RECIPIENT.slice(0, -1) }, 'ADDRESS.BAD_LENGTH', 'to'),
  submit('a recipient one hex digit long', { to: `${RECIPIENT}0` }, 'ADDRESS.BAD_LENGTH', 'to'),
  submit('a recipient without 0x', { to: RECIPIENT.slice(2) }, 'ADDRESS.MISSING_PREFIX', 'to'),
  submit('a recipient that is not hex', { to: `0x${'zz'.repeat(20)}` }, 'ADDRESS.NOT_HEX', 'to'),
  submit('the zero address', { to: `0x${'0'.repeat(40)}` }, 'ADDRESS.ZERO', 'to'),
  submit('a recipient as a number', { to: 1234 }, 'ADDRESS.INVALID_TYPE', 'to'),
  submit('an asset that is neither native nor an address', { asset: 'ETH' }, 'ASSET.INVALID', 'asset'),
  submit('a negative amount', { amount: '-1' }, 'MONEY.NEGATIVE', 'amount'),
  submit('a fractional amount', { amount: '1.5' }, 'MONEY.FRACTIONAL', 'amount'),
  submit('an amount in exponent notation', { amount: '1e18' }, 'MONEY.EXPONENT', 'amount'),
  submit('an amount as a float number', { amount: 1.5 }, 'MONEY.INVALID_TYPE', 'amount'),
  submit('an amount as an integer number', { amount: 1000 }, 'MONEY.INVALID_TYPE', 'amount'),
  submit('an amount with a leading zero', { amount: '0100' }, 'MONEY.LEADING_ZERO', 'amount'),
  submit('an amount of 2^256', { amount: (1n << 256n).toString() }, 'MONEY.OUT_OF_RANGE', 'amount'),
  submit('an amount of zero', { amount: '0' }, 'MONEY.NOT_POSITIVE', 'amount'),
  submit('an amount in hex', { amount: '0x10' }, 'MONEY.NOT_DIGITS', 'amount'),
  submit('an amount with white space', { amount: ' 100' }, 'MONEY.WHITESPACE', 'amount'),
  submit(
    'more than the wallet holds',
    { amount: parseEther('5').toString() },
    'LEDGER.INSUFFICIENT_FUNDS',
    undefined,
    422,
  ),
  submit('an unknown wallet', { walletId: UNKNOWN_WALLET }, 'WALLET.NOT_FOUND', undefined, 404),

  // Unknown and malformed ids.
  {
    name: 'an unknown wallet',
    method: 'GET',
    path: () => `/v1/wallets/${UNKNOWN_WALLET}`,
    status: 404,
    code: 'WALLET.NOT_FOUND',
  },
  {
    name: 'a wallet id with a space',
    method: 'GET',
    path: () => '/v1/wallets/w%201',
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'id',
  },
  {
    name: 'a policy for an unknown wallet',
    method: 'PUT',
    path: () => `/v1/wallets/${UNKNOWN_WALLET}/policy`,
    body: () => ({ rules: [] }),
    status: 404,
    code: 'WALLET.NOT_FOUND',
  },
  {
    name: 'freezing an unknown wallet',
    method: 'POST',
    path: () => `/v1/wallets/${UNKNOWN_WALLET}/freeze`,
    body: () => ({ reason: 'test' }),
    status: 404,
    code: 'WALLET.NOT_FOUND',
  },
  {
    name: 'unfreezing a wallet that is not frozen',
    method: 'POST',
    path: () => `/v1/wallets/${walletId}/unfreeze`,
    body: () => ({ reason: 'test' }),
    status: 409,
    code: 'LIFECYCLE.ILLEGAL_TRANSITION',
  },
  {
    name: 'an unknown transfer',
    method: 'GET',
    path: () => `/v1/transactions/${UNKNOWN_TRANSFER}`,
    status: 404,
    code: 'TRANSFER.NOT_FOUND',
  },
  {
    name: 'cancelling an unknown transfer',
    method: 'POST',
    path: () => `/v1/transactions/${UNKNOWN_TRANSFER}/cancel`,
    token: () => tokens.operator,
    status: 404,
    code: 'TRANSFER.NOT_FOUND',
  },
  {
    name: 'cancelling a finished transfer',
    method: 'POST',
    path: () => `/v1/transactions/${transferId}/cancel`,
    token: () => tokens.operator,
    body: () => ({ reason: 'too late' }),
    status: 409,
    code: 'TRANSFER.NOT_CANCELLABLE',
    details: { status: 'COMPLETED' },
  },
  {
    name: 'an unknown approval group',
    method: 'GET',
    path: () => `/v1/approval-groups/${UNKNOWN_GROUP}`,
    status: 404,
    code: 'APPROVAL.GROUP_NOT_FOUND',
  },
  {
    name: 'reading an unknown approval request',
    method: 'GET',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    status: 404,
    code: 'APPROVAL.REQUEST_NOT_FOUND',
  },
  {
    name: 'deciding an unknown approval request',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.approver,
    body: () => ({ decision: 'approve' }),
    status: 404,
    code: 'APPROVAL.REQUEST_NOT_FOUND',
  },
  {
    name: 'an unknown trace',
    method: 'GET',
    path: () => `/v1/audit/${UNKNOWN_TRACE}`,
    token: () => tokens.auditor,
    status: 404,
    code: 'AUDIT.TRACE_NOT_FOUND',
  },
  {
    name: 'a trace id that is not an id',
    method: 'GET',
    path: () => '/v1/audit/TRACE%23x',
    token: () => tokens.auditor,
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'traceId',
  },

  // Queries.
  {
    name: 'a limit of 0',
    method: 'GET',
    path: () => '/v1/wallets?limit=0',
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'limit',
  },
  {
    name: 'a limit of 101',
    method: 'GET',
    path: () => '/v1/wallets?limit=101',
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'limit',
  },
  {
    name: 'a limit that is not a number',
    method: 'GET',
    path: () => `/v1/transactions?walletId=${walletId}&limit=ten`,
    token: () => tokens.operator,
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'limit',
  },
  {
    name: 'an unknown query parameter (wallets)',
    method: 'GET',
    path: () => '/v1/wallets?limt=5',
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'limt',
  },
  {
    name: 'an unknown query parameter (transfers)',
    method: 'GET',
    path: () => `/v1/transactions?walletId=${walletId}&sort=desc`,
    token: () => tokens.operator,
    status: 400,
    code: 'REQUEST.UNKNOWN_FIELD',
    details: 'sort',
  },
  {
    name: 'a forged page token',
    method: 'GET',
    path: () => `/v1/wallets?nextToken=${b64({ pk: 'WALLET#x', sk: '1' })}`,
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'nextToken',
  },
  {
    name: 'a listing without walletId or status',
    method: 'GET',
    path: () => '/v1/transactions',
    token: () => tokens.operator,
    status: 400,
    code: 'REQUEST.MISSING_FIELD',
    details: 'walletId',
  },
  {
    name: 'a listing by an unknown status',
    method: 'GET',
    path: () => '/v1/transactions?status=DONE',
    token: () => tokens.operator,
    status: 400,
    code: 'REQUEST.INVALID_FIELD',
    details: 'status',
  },

  // Authentication.
  {
    name: 'no token (wallets)',
    method: 'POST',
    path: () => '/v1/wallets',
    token: () => '',
    body: () => wallet(),
    status: 401,
    code: 'AUTH.MISSING_TOKEN',
  },
  {
    name: 'no token (transfers)',
    method: 'GET',
    path: () => `/v1/transactions/${transferId}`,
    token: () => '',
    status: 401,
    code: 'AUTH.MISSING_TOKEN',
  },
  {
    name: 'no token (audit)',
    method: 'GET',
    path: () => `/v1/audit/${transferTraceId}`,
    token: () => '',
    status: 401,
    code: 'AUTH.MISSING_TOKEN',
  },
  {
    name: 'a Basic credential',
    method: 'GET',
    path: () => '/v1/wallets',
    token: () => '',
    headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    status: 401,
    code: 'AUTH.MISSING_TOKEN',
  },
  {
    name: 'an expired token',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.expired,
    body: () => transfer(),
    get headers() {
      return idem();
    },
    status: 401,
    code: 'AUTH.INVALID_TOKEN',
    details: { reason: 'expired' },
  },
  {
    name: 'a token signed by another ES256 key',
    method: 'POST',
    path: () => '/v1/wallets',
    token: () => tokens.forged,
    body: () => wallet(),
    status: 401,
    code: 'AUTH.INVALID_TOKEN',
    details: { reason: 'bad_signature' },
  },
  {
    name: 'an unsigned token (alg none)',
    method: 'POST',
    path: () => '/v1/approval-groups',
    token: noneToken,
    body: () => ({ name: 'G', members: [{ id: 'a', name: 'A' }] }),
    status: 401,
    code: 'AUTH.INVALID_TOKEN',
    details: { reason: 'algorithm_not_allowed' },
  },
  {
    name: 'a tampered payload (operator → admin)',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    token: () => tokens.tampered,
    body: () => ({ rules: [] }),
    status: 401,
    code: 'AUTH.INVALID_TOKEN',
    details: { reason: 'bad_signature' },
  },
  {
    name: 'a token that is not a JWT',
    method: 'GET',
    path: () => `/v1/approval-groups/${groupId}`,
    token: () => 'not-a-jwt',
    status: 401,
    code: 'AUTH.MISSING_TOKEN',
  },

  // Roles, per route family.
  {
    name: 'an operator creating a wallet',
    method: 'POST',
    path: () => '/v1/wallets',
    token: () => tokens.operator,
    body: () => wallet(),
    status: 403,
    code: 'AUTH.FORBIDDEN',
    details: { requiredRoles: ['admin'] },
  },
  {
    name: 'an approver listing wallets',
    method: 'GET',
    path: () => '/v1/wallets',
    token: () => tokens.approver,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an approver reading a wallet',
    method: 'GET',
    path: () => `/v1/wallets/${walletId}`,
    token: () => tokens.approver,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator setting a policy',
    method: 'PUT',
    path: () => `/v1/wallets/${walletId}/policy`,
    token: () => tokens.operator,
    body: () => ({ rules: [] }),
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an auditor freezing',
    method: 'POST',
    path: () => `/v1/wallets/${walletId}/freeze`,
    token: () => tokens.auditor,
    body: () => ({ reason: 'x' }),
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator unfreezing',
    method: 'POST',
    path: () => `/v1/wallets/${walletId}/unfreeze`,
    token: () => tokens.operator,
    body: () => ({ reason: 'x' }),
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator creating a group',
    method: 'POST',
    path: () => '/v1/approval-groups',
    token: () => tokens.operator,
    body: () => ({ name: 'G', members: [{ id: 'a', name: 'A' }] }),
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an approver reading a group',
    method: 'GET',
    path: () => `/v1/approval-groups/${groupId}`,
    token: () => tokens.approver,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an auditor submitting',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.auditor,
    body: () => transfer(),
    get headers() {
      return idem();
    },
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an approver submitting',
    method: 'POST',
    path: () => '/v1/transactions',
    token: () => tokens.approver,
    body: () => transfer(),
    get headers() {
      return idem();
    },
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'a token without roles listing transfers',
    method: 'GET',
    path: () => `/v1/transactions?walletId=${walletId}`,
    token: () => tokens.nobody,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an approver cancelling',
    method: 'POST',
    path: () => `/v1/transactions/${transferId}/cancel`,
    token: () => tokens.approver,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator deciding',
    method: 'POST',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.operator,
    body: () => ({ decision: 'approve' }),
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator reading an approval request',
    method: 'GET',
    path: () => `/v1/approvals/${UNKNOWN_APPROVAL}`,
    token: () => tokens.operator,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },
  {
    name: 'an operator reading the audit trail',
    method: 'GET',
    path: () => `/v1/audit/${transferTraceId}`,
    token: () => tokens.operator,
    status: 403,
    code: 'AUTH.FORBIDDEN',
  },

  // Routing at the edge.
  { name: 'an unknown route', method: 'GET', path: () => '/v1/keys', status: 404, code: 'ROUTE.NOT_FOUND' },
  { name: 'an unknown version', method: 'GET', path: () => '/v2/wallets', status: 404, code: 'ROUTE.NOT_FOUND' },
  {
    name: 'a trailing slash',
    method: 'GET',
    path: () => `/v1/wallets/${walletId}/`,
    status: 404,
    code: 'ROUTE.NOT_FOUND',
  },
  {
    name: 'an unknown route with a body and no token',
    method: 'POST',
    path: () => '/v1/wallets/x/y/z',
    token: () => '',
    body: () => wallet(),
    status: 404,
    code: 'ROUTE.NOT_FOUND',
  },
  {
    name: 'DELETE a wallet',
    method: 'DELETE',
    path: () => `/v1/wallets/${walletId}`,
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['GET'] },
  },
  {
    name: 'PUT on the wallet list',
    method: 'PUT',
    path: () => '/v1/wallets',
    body: () => wallet(),
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['GET', 'POST'] },
  },
  {
    name: 'GET a cancel',
    method: 'GET',
    path: () => `/v1/transactions/${transferId}/cancel`,
    token: () => tokens.operator,
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['POST'] },
  },
  {
    name: 'PATCH a policy',
    method: 'PATCH',
    path: () => `/v1/wallets/${walletId}/policy`,
    body: () => ({ rules: [] }),
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['PUT'] },
  },
  {
    name: 'POST the health check',
    method: 'POST',
    path: () => '/v1/health',
    token: () => '',
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['GET'] },
  },
  {
    name: 'DELETE an audit trail',
    method: 'DELETE',
    path: () => `/v1/audit/${transferTraceId}`,
    token: () => tokens.auditor,
    status: 405,
    code: 'ROUTE.METHOD_NOT_ALLOWED',
    details: { allow: ['GET'] },
  },
];

describe('bad requests over HTTP', () => {
  let before: unknown;

  beforeAll(async () => {
    before = await snapshot();
    // The expired token must be past its expiry and the verifier's 5 s clock tolerance.
    const exp = Number(JSON.parse(Buffer.from(tokens.expired.split('.')[1]!, 'base64url').toString()).exp) * 1000;
    const wait = exp + 6_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }, 60_000);

  it(`has at least 45 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  // Objects, not tuples: jest would take a function with more parameters than a row for one that wants `done`.
  it.each(cases.map((c) => ({ ...c, label: `${c.method} ${c.status} ${c.code}` })))('$name → $label', async (c) => {
    const token = c.token === undefined ? tokens.admin : c.token();
    const answer = await sut.call(c.method, c.path(), {
      ...(token === '' ? {} : { token }),
      ...(c.body === undefined ? {} : { body: c.body() }),
      ...(c.raw === undefined ? {} : { rawBody: c.raw }),
      ...(c.headers === undefined ? {} : { headers: c.headers }),
    });
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(answer.body).toEqual({
      error: { code: c.code, message: expect.any(String), details: expect.any(Object), traceId: expect.any(String) },
    });
    expect(answer.body.error.traceId).toBe(answer.headers.get('x-strongroom-trace-id'));
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    if (typeof c.details === 'string') expect(answer.body.error.details).toMatchObject({ field: c.details });
    else if (c.details !== undefined) expect(answer.body.error.details).toMatchObject(c.details);
    if (c.status === 405) expect(answer.headers.get('allow')).toBe((c.details as { allow: string[] }).allow.join(', '));
    if (c.status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    // Nothing in an error echoes a credential.
    if (token !== '') expect(JSON.stringify(answer.body)).not.toContain(token);
  });

  it('a chunked body over 64 KiB without Content-Length is refused with 413 while streaming', async () => {
    const url = new URL('/v1/wallets', sut.url);
    const answer = await new Promise<{ status: number; body: string; traceId: string | undefined }>(
      (resolve, reject) => {
        const req = httpRequest(
          url,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${tokens.admin}`,
              'content-type': 'application/json',
              'transfer-encoding': 'chunked',
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: text,
                traceId: res.headers['x-strongroom-trace-id'] as string | undefined,
              }),
            );
            res.on('error', reject);
          },
        );
        // The server may close the connection before the whole body is written: that is the point.
        req.on('error', () => undefined);
        const chunk = Buffer.alloc(16 * 1024, 'x');
        req.write('{"name":"');
        for (let i = 0; i < 6; i++) req.write(chunk);
        req.end('"}');
      },
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'REQUEST.BODY_TOO_LARGE',
        message: expect.any(String),
        details: { field: 'body', limitBytes: 65_536 },
        traceId: answer.traceId,
      },
    });
  });

  it('changed nothing: wallets, balances, policy, group, transfers and audit trails are as before', async () => {
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('afterwards the service is healthy and a valid request still works', async () => {
    const health = await sut.call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok' });
    const read = await sut.call('GET', `/v1/wallets/${walletId}`, { token: tokens.auditor });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(walletId);
    const accepted = await sut.call('POST', '/v1/transactions', {
      token: tokens.operator,
      headers: { 'idempotency-key': 'bad-requests-valid-after' },
      body: transfer(),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      id: expect.stringMatching(/^tx-/),
      status: expect.any(String),
      traceId: expect.any(String),
    });
    const done = await poll(async () => {
      const view = await ok('GET', `/v1/transactions/${accepted.body.id as string}`, tokens.operator);
      return ['COMPLETED', 'REJECTED', 'FAILED', 'EXPIRED', 'CANCELLED'].includes(view.status) ? view : undefined;
    }, 'the valid transfer to finish');
    expect(done.status).toBe('COMPLETED');
  }, 120_000);
});
