import { DynamoPasskeyStore } from '../../lambdas/adapters/dynamodb/dynamo-passkey-store';
import { linkSecretHash } from '../../lambdas/domain/approvals/approval-link';
import { StrongroomError } from '../../lambdas/domain/errors';
import type { PasskeyCredential } from '../../lambdas/domain/passkeys/passkey-credential';
import { freshTables, type TestTables } from '../support/dynamodb';

let tables: TestTables;
let store: DynamoPasskeyStore;

beforeAll(async () => {
  tables = await freshTables();
  store = new DynamoPasskeyStore(tables.doc, tables.names.events);
});
afterAll(() => tables.client.destroy());

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, seconds));

let ids = 0;
const unique = (prefix: string): string => `${prefix}-${++ids}`;

function credential(memberId: string, credentialId = unique('Y3JlZA'), enrolledAt = at(10)): PasskeyCredential {
  return { memberId, credentialId, publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal'], enrolledAt };
}

async function invite(memberId: string, id = unique('enr')): Promise<string> {
  await store.createEnrollment({
    id,
    memberId,
    memberName: `Member ${memberId}`,
    secretHash: linkSecretHash('A'.repeat(43)),
    expiresAt: at(3600),
    createdBy: 'admin-1',
    at: at(0),
  });
  return id;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrongroomError);
  const e = error as StrongroomError;
  return (e.details.passkeyCode as string | undefined) ?? e.code;
}

describe('DynamoPasskeyStore', () => {
  it('records an invitation once and reads it back', async () => {
    const id = await invite('alice');
    expect(await store.getEnrollment(id)).toEqual({
      id,
      memberId: 'alice',
      memberName: 'Member alice',
      secretHash: linkSecretHash('A'.repeat(43)),
      expiresAt: at(3600),
      createdBy: 'admin-1',
      createdAt: at(0),
    });
    expect(await codeOf(invite('mallory', id))).toBe('STORE.DUPLICATE');
    expect((await store.getEnrollment(id))?.memberId).toBe('alice');
    expect(await store.getEnrollment('enr-none')).toBeUndefined();
  });

  it('completes an invitation once, enrolling the credential under the member', async () => {
    const member = unique('bob');
    const id = await invite(member);
    const first = credential(member);
    await store.completeEnrollment(id, first);
    expect((await store.getEnrollment(id))?.completed).toEqual({
      credentialId: first.credentialId,
      at: first.enrolledAt,
    });
    expect(await store.credentialsOf(member)).toEqual([first]);
    expect(await codeOf(store.completeEnrollment(id, credential(member)))).toBe('PASSKEY.ENROLLMENT_COMPLETED');
    expect(await store.credentialsOf(member)).toEqual([first]);
  });

  it('refuses to complete an unknown invitation, or one for another member', async () => {
    const id = await invite('carol');
    expect(await codeOf(store.completeEnrollment('enr-none', credential('carol')))).toBe(
      'PASSKEY.ENROLLMENT_NOT_FOUND',
    );
    expect(await codeOf(store.completeEnrollment(id, credential('mallory')))).toBe('PASSKEY.ENROLLMENT_NOT_FOUND');
    expect(await store.credentialsOf('mallory')).toEqual([]);
    expect((await store.getEnrollment(id))?.completed).toBeUndefined();
  });

  it('enrolls a credential id once across members', async () => {
    const dave = unique('dave');
    const erin = unique('erin');
    const shared = unique('c2hhcmVk');
    await store.completeEnrollment(await invite(dave), credential(dave, shared));
    const erinsInvite = await invite(erin);
    expect(await codeOf(store.completeEnrollment(erinsInvite, credential(erin, shared)))).toBe(
      'PASSKEY.CREDENTIAL_TAKEN',
    );
    expect(await store.credentialsOf(erin)).toEqual([]);
    expect((await store.getEnrollment(erinsInvite))?.completed).toBeUndefined();
  });

  it('lets one of many concurrent completions win', async () => {
    const member = unique('frank');
    const id = await invite(member);
    const candidates = Array.from({ length: 6 }, () => credential(member));
    const results = await Promise.allSettled(candidates.map((c) => store.completeEnrollment(id, c)));
    const winners = candidates.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of results)
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StrongroomError);
    expect(await store.credentialsOf(member)).toEqual(winners);
    expect((await store.getEnrollment(id))?.completed?.credentialId).toBe(winners[0]!.credentialId);
  });

  it("lists a member's passkeys oldest first, and leaves out a revoked one", async () => {
    const member = unique('grace');
    const older = credential(member, unique('b2xk'), at(20));
    const newer = credential(member, unique('bmV3'), at(30));
    await store.completeEnrollment(await invite(member), newer);
    await store.completeEnrollment(await invite(member), older);
    expect(await store.credentialsOf(member)).toEqual([older, newer]);
    await store.revoke(member, older.credentialId, 'admin-1', at(40));
    expect(await store.credentialsOf(member)).toEqual([newer]);
    expect(await codeOf(store.revoke(member, older.credentialId, 'admin-1', at(41)))).toBe(
      'PASSKEY.CREDENTIAL_REVOKED',
    );
    expect(await codeOf(store.revoke(member, 'bm9uZQ', 'admin-1', at(41)))).toBe('PASSKEY.CREDENTIAL_NOT_FOUND');
    expect(await codeOf(store.revoke('someone-else', newer.credentialId, 'admin-1', at(41)))).toBe(
      'PASSKEY.CREDENTIAL_NOT_FOUND',
    );
  });

  it('keeps the highest counter recorded, each value once', async () => {
    const member = unique('heidi');
    const passkey = credential(member);
    await store.completeEnrollment(await invite(member), passkey);
    const use = (counter: number, ref: string) =>
      store.recordUse({ memberId: member, credentialId: passkey.credentialId, counter, ref, at: at(50) });
    expect(await use(9, 'apr-1')).toBe('recorded');
    expect(await use(10, 'apr-2')).toBe('recorded');
    expect(await use(2, 'apr-3')).toBe('recorded');
    expect(await use(10, 'apr-4')).toBe('seen-before');
    expect(await use(0, 'apr-5')).toBe('recorded');
    expect((await store.credentialsOf(member)).map((c) => c.counter)).toEqual([10]);
    const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => use(11, `apr-race-${i}`)));
    expect(racing.filter((r) => r === 'recorded')).toHaveLength(1);
  });
});
