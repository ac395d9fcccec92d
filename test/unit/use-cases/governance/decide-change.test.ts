import { GOVERNANCE_ERRORS } from '../../../../lambdas/domain/governance/change-request';
import { decideChange } from '../../../../lambdas/use-cases/governance/decide-change';
import { getChange } from '../../../../lambdas/use-cases/governance/get-change';
import { governanceFixture, member, refusalOf } from './governance-fixture';

describe('decideChange', () => {
  async function proposed(options: Parameters<typeof governanceFixture>[0] = {}) {
    const f = governanceFixture(options);
    await f.bootstrap();
    const change = await f.propose();
    const decide = (memberId: string, body: unknown) =>
      decideChange(f.deps, { principal: member(memberId), changeId: change.id, body });
    return { ...f, change, decide };
  }

  it('time-locks a change at its quorum, audits each decision, and leaves applying to the sweep', async () => {
    const f = await proposed();
    expect((await f.decide('alice', { decision: 'approve' })).status).toBe('PENDING_GOVERNANCE');
    f.advance(60);
    const locked = await f.decide('bob', { decision: 'approve', reason: 'checked' });
    expect(locked).toMatchObject({ status: 'TIME_LOCKED', effectiveAt: new Date(Date.UTC(2026, 0, 1, 1, 1)) });
    expect(f.applied).toEqual([]);
    expect(f.deps.audit.entries.map((e) => e.action)).toEqual([
      'GOVERNANCE_BOOTSTRAPPED',
      'GOVERNANCE_CHANGE_PROPOSED',
      'GOVERNANCE_CHANGE_APPROVED',
      'GOVERNANCE_CHANGE_APPROVED',
    ]);
  });

  it('refuses a second decision, an approval after quorum, and a non-member', async () => {
    const f = await proposed();
    await f.decide('alice', { decision: 'approve' });
    expect(await refusalOf(f.decide('alice', { decision: 'veto' }))).toMatchObject({
      governanceCode: 'GOVERNANCE.DUPLICATE_DECISION',
    });
    await f.decide('bob', { decision: 'approve' });
    expect(await refusalOf(f.decide('carol', { decision: 'approve' }))).toMatchObject({
      code: GOVERNANCE_ERRORS.QUORUM_REACHED,
      governanceCode: 'GOVERNANCE.QUORUM_REACHED',
    });
    expect(await refusalOf(f.decide('mallory', { decision: 'veto' }))).toMatchObject({
      code: GOVERNANCE_ERRORS.NOT_A_MEMBER,
    });
  });

  it('a veto during the time-lock stops the change; nothing is decided after it', async () => {
    const f = await proposed();
    await f.decide('alice', { decision: 'approve' });
    await f.decide('bob', { decision: 'approve' });
    const vetoed = await f.decide('carol', { decision: 'veto', reason: 'not now' });
    expect(vetoed).toMatchObject({ status: 'VETOED', vetoedBy: { memberId: 'carol', reason: 'not now' } });
    expect(await refusalOf(f.decide('dave', { decision: 'veto' }))).toMatchObject({
      governanceCode: 'GOVERNANCE.ALREADY_FINAL',
    });
    expect(f.deps.audit.entries.at(-1)).toMatchObject({ action: 'GOVERNANCE_CHANGE_VETOED' });
  });

  it('with a time-lock of 0 applies the change through the applier when the quorum is reached', async () => {
    const f = await proposed({ timeLockSeconds: 0 });
    await f.decide('alice', { decision: 'approve' });
    const view = await f.decide('bob', { decision: 'approve' });
    expect(view).toMatchObject({ status: 'APPLIED', result: 'applied UNFREEZE_WALLET' });
    expect(f.applied.map((c) => c.id)).toEqual([f.change.id]);
    expect(f.deps.audit.entries.at(-1)).toMatchObject({
      traceId: `change.${f.change.id}`,
      action: 'GOVERNANCE_CHANGE_APPLIED',
    });
    expect(await refusalOf(f.decide('carol', { decision: 'veto' }))).toMatchObject({
      governanceCode: 'GOVERNANCE.ALREADY_FINAL',
    });
  });

  it('answers 400 naming the field for a bad body or id, and 404 for an unknown change', async () => {
    const f = await proposed();
    expect(await refusalOf(f.decide('alice', { decision: 'yes' }))).toMatchObject({ field: 'decision' });
    expect(await refusalOf(f.decide('alice', { decision: 'veto', reason: 3 }))).toMatchObject({ field: 'reason' });
    expect(
      await refusalOf(
        decideChange(f.deps, { principal: member('alice'), changeId: 'bad id', body: { decision: 'veto' } }),
      ),
    ).toMatchObject({ field: 'changeId' });
    expect(await refusalOf(getChange(f.deps, { changeId: 'chg-0000000000000000' }))).toMatchObject({
      code: GOVERNANCE_ERRORS.CHANGE_NOT_FOUND,
      governanceCode: 'GOVERNANCE.CHANGE_NOT_FOUND',
    });
  });

  it('expires a change without quorum after its window', async () => {
    const f = await proposed();
    await f.decide('alice', { decision: 'approve' });
    f.advance(7 * 24 * 3600);
    expect((await getChange(f.deps, { changeId: f.change.id })).status).toBe('EXPIRED');
    expect(await refusalOf(f.decide('bob', { decision: 'approve' }))).toMatchObject({
      governanceCode: 'GOVERNANCE.ALREADY_FINAL',
    });
  });
});
