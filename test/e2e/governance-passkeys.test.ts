import { SoftwareAuthenticator } from '../../local/passkeys/software-authenticator';
import { ENROLLMENT_DATA_ID } from '../../lambdas/handlers/api/passkey-page/render-enrollment-page';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Passkey-signed governance (issue 14, scope 5): a governance group bootstrapped with
 * `requirePasskeys` decides only with WebAuthn assertions over the change's digest for each decision
 * (challenges from `GET /v1/governance/changes/{id}`), and before a change applies every counted
 * approval is verified again: an approval written straight into the store never applies a change.
 * (A software authenticator stands in for the members' devices.)
 */

const TIME_LOCK_SECONDS = 2;
let api: StackUnderTest;
let insider: string;
const members = new Map<string, { token: string; device: SoftwareAuthenticator }>();
const wallets: string[] = [];

beforeAll(async () => {
  api = await startStackUnderTest({ governanceTimeLockSeconds: TIME_LOCK_SECONDS });
  insider = await api.token('gp-insider', ['admin']);
  // Set-up before governance exists: two wallets that deny everything (a policy of one BLOCK rule).
  for (const name of ['a', 'b']) {
    const wallet = await api.ok('POST', '/v1/wallets', insider, { name, chainId: 31337, keyScheme: 'kms' });
    await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, insider, {
      rules: [{ id: 'nothing', match: {}, action: { type: 'BLOCK' } }],
      limits: {},
    });
    wallets.push(wallet.id as string);
  }
  await api.ok('POST', '/v1/governance/bootstrap', insider, {
    members: [
      { id: 'gp-insider', name: 'The insider' },
      { id: 'gp-2', name: 'Second' },
      { id: 'gp-3', name: 'Third' },
    ],
    quorum: 2,
    requirePasskeys: true,
  });
  for (const id of ['gp-2', 'gp-3'])
    members.set(id, { token: await api.token(id, ['approver']), device: await enrol(id) });
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

async function enrol(member: string): Promise<SoftwareAuthenticator> {
  const invited = await api.ok('POST', '/v1/passkeys/enrollments', insider, { memberId: member, memberName: member });
  const link = new URL(api.stack.outbox.list().find((m) => m.enrollmentId === invited.enrollmentId)?.link as string);
  const html = await (await fetch(link)).text();
  const data = JSON.parse(new RegExp(`id="${ENROLLMENT_DATA_ID}">([^<]*)</script>`).exec(html)?.[1] ?? '{}') as {
    publicKey: { challenge: string };
  };
  const device = new SoftwareAuthenticator();
  const response = device.register({ challenge: data.publicKey.challenge, origin: link.origin, rpId: link.hostname });
  await api.ok('POST', `/v1/passkeys/enroll/${invited.enrollmentId}`, insider, {
    t: link.searchParams.get('t'),
    response,
  });
  return device;
}

const ALLOW_EVERYTHING = { rules: [{ id: 'anything', match: {}, action: { type: 'ALLOW' } }], limits: {} };
const origin = () => new URL(api.url);

async function propose(walletId: string): Promise<{ id: string; challenges: { approve: string; veto: string } }> {
  const proposed = await api.ok('PUT', `/v1/wallets/${walletId}/policy`, insider, {
    ...ALLOW_EVERYTHING,
    reason: 'open it up',
  });
  expect(proposed.status).toBe('PENDING_GOVERNANCE');
  const view = await api.ok('GET', `/v1/governance/changes/${proposed.id}`, insider);
  return { id: proposed.id as string, challenges: view.passkeyChallenges as { approve: string; veto: string } };
}

function decide(member: string, id: string, decision: 'approve' | 'veto', challenge?: string, signer = member) {
  const device = members.get(signer)?.device as SoftwareAuthenticator;
  const assertion =
    challenge === undefined
      ? undefined
      : device.assert({ challenge, origin: origin().origin, rpId: origin().hostname });
  return api.call('POST', `/v1/governance/changes/${id}`, {
    token: members.get(member)?.token as string,
    body: { decision, ...(assertion === undefined ? {} : { assertion }) },
  });
}

const policyVersion = async (id: string) => (await api.ok('GET', `/v1/wallets/${id}`, insider)).policyVersion;
const ended = (id: string) =>
  poll(async () => {
    const view = await api.ok('GET', `/v1/governance/changes/${id}`, insider);
    return view.status === 'APPLIED' || view.status === 'FAILED' ? view : undefined;
  }, 'the change to end');

it('takes each decision only as the member’s passkey signature over that decision on that change', async () => {
  const [walletId] = wallets as [string];
  const { id, challenges } = await propose(walletId);
  expect(challenges.approve).not.toBe(challenges.veto);
  const refusals = [
    await decide('gp-2', id, 'approve'),
    await decide('gp-2', id, 'approve', challenges.veto), // a veto's signature is no approval
    await decide('gp-2', id, 'approve', challenges.approve, 'gp-3'), // another member's passkey
  ];
  expect(refusals.map((r) => [r.status, r.body.error?.code])).toEqual([
    [403, 'PASSKEY.ASSERTION_REQUIRED'],
    [403, 'PASSKEY.ASSERTION_INVALID'],
    [403, 'PASSKEY.ASSERTION_INVALID'],
  ]);
  expect((await decide('gp-2', id, 'approve', challenges.approve)).status).toBe(200);
  const locked = await decide('gp-3', id, 'approve', challenges.approve);
  expect(locked.body.status).toBe('TIME_LOCKED');
  const done = await ended(id);
  expect(done.status).toBe('APPLIED');
  expect(await policyVersion(walletId)).toBe(2);
});

it('never applies a change on an approval written straight into the governance store', async () => {
  const walletId = wallets[1] as string;
  const { id, challenges } = await propose(walletId);
  expect((await decide('gp-2', id, 'approve', challenges.approve)).status).toBe(200);
  // An insider who can write the events table records gp-3's approval, with no signature.
  await api.stack.deps.governance.decide(id, { memberId: 'gp-3', decision: 'approve', at: new Date() });
  const done = await ended(id);
  expect(done.status).toBe('FAILED');
  expect(done.failure).toContain('gp-3: no-assertion');
  expect(await policyVersion(walletId)).toBe(1);
});
