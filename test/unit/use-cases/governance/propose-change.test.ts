import { GOVERNANCE_ERRORS } from '../../../../lambdas/domain/governance/change-request';
import { UnconfiguredNotifier } from '../../../../lambdas/adapters/unconfigured-notifier';
import { memberOfLink } from '../../../../lambdas/domain/approvals/approval-link';
import { bootstrapGovernance } from '../../../../lambdas/use-cases/governance/bootstrap-governance';
import { proposeChange } from '../../../../lambdas/use-cases/governance/propose-change';
import { admin, governanceFixture, member, refusalOf } from './governance-fixture';

describe('bootstrapGovernance', () => {
  it('sets version 1 once, audited; a second bootstrap is ALREADY_BOOTSTRAPPED', async () => {
    const f = governanceFixture();
    expect(await f.bootstrap()).toMatchObject({ quorum: 2, version: 1 });
    expect(f.deps.audit.entries.map((e) => [e.traceId, e.action])).toEqual([
      ['governance.group', 'GOVERNANCE_BOOTSTRAPPED'],
    ]);
    expect(await refusalOf(f.bootstrap())).toEqual({
      code: GOVERNANCE_ERRORS.ALREADY_BOOTSTRAPPED,
      governanceCode: 'GOVERNANCE.ALREADY_BOOTSTRAPPED',
    });
    expect(f.deps.governance.groups).toHaveLength(1);
  });

  it('needs an admin and a valid body (400 naming the field)', async () => {
    const f = governanceFixture();
    const body = { members: [{ id: 'a', name: 'A' }], quorum: 1 };
    expect(await refusalOf(bootstrapGovernance(f.deps, { principal: member('a'), body }))).toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
    expect(await refusalOf(bootstrapGovernance(f.deps, { principal: admin, body }))).toMatchObject({
      code: GOVERNANCE_ERRORS.INVALID_GROUP,
      field: 'members',
    });
  });
});

describe('proposeChange', () => {
  it('is refused before bootstrap (409 NOT_BOOTSTRAPPED)', async () => {
    const f = governanceFixture();
    expect(await refusalOf(f.propose())).toEqual({
      code: GOVERNANCE_ERRORS.NOT_BOOTSTRAPPED,
      governanceCode: 'GOVERNANCE.NOT_BOOTSTRAPPED',
    });
  });

  it('records a pending change with the group snapshot, the proposer excluded, audited under change.<id>', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    const view = await f.propose({ addedMemberIds: ['carol'] });
    expect(view.id).toMatch(/^chg-[0-9a-f]{16}$/);
    expect(view).toMatchObject({
      status: 'PENDING_GOVERNANCE',
      proposedBy: 'root',
      excludedMemberIds: ['root', 'carol'],
      governance: { quorum: 2, version: 1 },
      timeLockSeconds: 3600,
      expiresAt: new Date(Date.UTC(2026, 0, 8)),
    });
    expect(await f.deps.governance.get(view.id)).toMatchObject({ request: { id: view.id } });
    expect(f.deps.audit.entries.at(-1)).toMatchObject({
      traceId: `change.${view.id}`,
      action: 'GOVERNANCE_CHANGE_PROPOSED',
    });
  });

  it('sends every member (the excluded ones too, who may veto) their own link; only its hash is stored', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    const view = await f.propose({ addedMemberIds: ['carol'] });
    const sent = f.outbox.list();
    expect(sent.map((m) => [m.to, m.channel, m.changeId])).toEqual(
      ['alice', 'bob', 'carol', 'dave'].map((id) => [id, 'governance', view.id]),
    );
    const secrets = sent.map((m) => new URL(m.link).searchParams.get('t') ?? '');
    expect(new Set(secrets).size).toBe(4);
    for (const message of sent) {
      expect(message.link.startsWith(`https://custody.example/v1/governance/changes/${view.id}/decide?t=`)).toBe(true);
      expect(message.text).toContain('UNFREEZE_WALLET of w-1');
      expect(message.text).toContain('unfreezes a wallet');
    }
    const links = await f.deps.governance.links(view.id);
    expect(sent.map((m, i) => memberOfLink(links, secrets[i] ?? ''))).toEqual(sent.map((m) => m.to));
    expect(JSON.stringify(await f.deps.governance.get(view.id))).not.toContain(secrets[0]);
  });

  it('records the change before telling anyone: a notifier that is down fails the call, and the change only waits', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    const down = { ...f.deps, notifier: new UnconfiguredNotifier() };
    await expect(
      proposeChange(down, {
        principal: admin,
        action: { kind: 'UNFREEZE_WALLET', subject: 'w-1', payload: { walletId: 'w-1' } },
        reason: 'false alarm',
        weakening: ['unfreezes a wallet'],
      }),
    ).rejects.toMatchObject({ code: 'NOTIFY.UNAVAILABLE' });
    const { items } = await f.deps.governance.list();
    expect(items.map((c) => c.decisions)).toEqual([[]]);
  });

  it('refuses a non-admin, and bad input with a 400 naming the field', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    expect(await refusalOf(f.propose({ principal: member('bob') }))).toMatchObject({ code: 'AUTH.FORBIDDEN' });
    const field = async (overrides: Parameters<typeof f.propose>[0]) =>
      ((await refusalOf(f.propose(overrides))) as { field?: string }).field;
    expect(await field({ action: { kind: 'NOPE' as 'SET_POLICY', subject: 'w', payload: {} } })).toBe('action.kind');
    expect(await field({ action: { kind: 'SET_POLICY', subject: '', payload: {} } })).toBe('action.subject');
    expect(await field({ reason: 7 })).toBe('reason');
    expect(await field({ weakening: [] })).toBe('weakening');
    expect(await field({ weakening: [''] })).toBe('weakening[0]');
    expect(await field({ addedMemberIds: ['ok', 'not ok'] })).toBe('addedMemberIds[1]');
    expect(
      await field({
        action: { kind: 'SET_GOVERNANCE_GROUP', subject: 'governance', payload: { members: [], quorum: 1 } },
      }),
    ).toBe('action.payload.members');
  });

  it('refuses a change whose excluded members leave too few approvers to reach the quorum (422)', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    expect(
      await refusalOf(f.propose({ principal: { id: 'alice', roles: ['admin'] }, addedMemberIds: ['bob', 'carol'] })),
    ).toMatchObject({ code: GOVERNANCE_ERRORS.QUORUM_UNREACHABLE, governanceCode: 'GOVERNANCE.QUORUM_UNREACHABLE' });
  });

  it('excludes the newcomers of a SET_GOVERNANCE_GROUP change itself', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    const view = await f.propose({
      action: {
        kind: 'SET_GOVERNANCE_GROUP',
        subject: 'governance',
        payload: { members: ['alice', 'bob', 'erin'].map((id) => ({ id, name: id })), quorum: 2 },
      },
    });
    expect(view.excludedMemberIds).toEqual(['root', 'erin']);
    expect(view.action.payload).toEqual({
      members: ['alice', 'bob', 'erin'].map((id) => ({ id, name: id })),
      quorum: 2,
      requirePasskeys: true, // the default: a successor group decides with passkeys unless it says otherwise
    });
  });
});
