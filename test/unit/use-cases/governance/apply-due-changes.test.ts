import { ChainError } from '../../../../lambdas/domain/errors';
import { applyDueChanges } from '../../../../lambdas/use-cases/governance/apply-due-changes';
import { decideChange } from '../../../../lambdas/use-cases/governance/decide-change';
import { getChange } from '../../../../lambdas/use-cases/governance/get-change';
import { listChanges } from '../../../../lambdas/use-cases/governance/list-changes';
import { HOUR, governanceFixture, member, refusalOf } from './governance-fixture';

async function timeLocked(options: Parameters<typeof governanceFixture>[0] = {}) {
  const f = governanceFixture(options);
  await f.bootstrap();
  const change = await f.propose();
  for (const id of ['alice', 'bob'])
    await decideChange(f.deps, { principal: member(id), changeId: change.id, body: { decision: 'approve' } });
  return { ...f, change };
}

describe('applyDueChanges', () => {
  it('applies a time-locked change only once its effectiveAt has passed, once', async () => {
    const f = await timeLocked();
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [], failed: [], skipped: [] });
    f.advance(HOUR);
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [f.change.id], failed: [], skipped: [] });
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [], failed: [], skipped: [] });
    expect(f.applied).toHaveLength(1);
    expect(await getChange(f.deps, { changeId: f.change.id })).toMatchObject({
      status: 'APPLIED',
      result: 'applied UNFREEZE_WALLET',
    });
  });

  it('two sweeps at once apply it once', async () => {
    const f = await timeLocked();
    f.advance(HOUR);
    const reports = await Promise.all([applyDueChanges(f.deps), applyDueChanges(f.deps)]);
    expect(reports.flatMap((r) => r.applied)).toEqual([f.change.id]);
    expect(f.applied).toHaveLength(1);
  });

  it('never applies a vetoed change', async () => {
    const f = await timeLocked();
    await decideChange(f.deps, { principal: member('dave'), changeId: f.change.id, body: { decision: 'veto' } });
    f.advance(2 * HOUR);
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [], failed: [], skipped: [] });
    expect(f.applied).toEqual([]);
  });

  it('records an applier error as FAILED with its message, audited', async () => {
    const f = await timeLocked({ applyError: new ChainError('CHAIN.UNKNOWN', 'no chain 5') });
    f.advance(HOUR);
    expect(await applyDueChanges(f.deps)).toMatchObject({ failed: [f.change.id] });
    expect(await getChange(f.deps, { changeId: f.change.id })).toMatchObject({
      status: 'FAILED',
      failure: 'CHAIN.UNKNOWN: no chain 5',
    });
    expect(f.deps.audit.entries.at(-1)).toMatchObject({ action: 'GOVERNANCE_CHANGE_FAILED' });
  });

  it('takes over a claim whose sweep died, once the lease has passed', async () => {
    const f = await timeLocked();
    f.advance(HOUR);
    await f.deps.governance.claim(f.change.id, { attempt: 1, by: 'dead-sweep', at: f.deps.clock() });
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [], failed: [], skipped: [] });
    f.advance(15 * 60);
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [f.change.id], failed: [], skipped: [] });
    expect((await f.deps.governance.get(f.change.id))?.claims.map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('applies SET_GOVERNANCE_GROUP itself: the next group version; pending changes under the old group then fail', async () => {
    const f = governanceFixture();
    await f.bootstrap();
    const other = await f.propose();
    const regroup = await f.propose({
      action: {
        kind: 'SET_GOVERNANCE_GROUP',
        subject: 'governance',
        payload: { members: ['alice', 'bob', 'erin'].map((id) => ({ id, name: id })), quorum: 2 },
      },
    });
    for (const changeId of [other.id, regroup.id])
      for (const id of ['alice', 'bob'])
        await decideChange(f.deps, { principal: member(id), changeId, body: { decision: 'approve' } });
    f.advance(HOUR);
    // Oldest first: `other` is applied under version 1, then the group changes.
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [other.id, regroup.id], failed: [], skipped: [] });
    expect(f.applied.map((c) => c.id)).toEqual([other.id]);
    expect(await f.deps.governance.group()).toMatchObject({ version: 2, quorum: 2, changeId: regroup.id });
    expect(f.deps.audit.entries.some((e) => e.action === 'GOVERNANCE_GROUP_CHANGED')).toBe(true);

    const late = await f.propose();
    expect(late.governance.version).toBe(2);
    expect(
      await refusalOf(
        decideChange(f.deps, { principal: member('alice'), changeId: other.id, body: { decision: 'approve' } }),
      ),
    ).toMatchObject({ governanceCode: 'GOVERNANCE.ALREADY_FINAL' });
  });

  it('fails a time-locked change when the governance group changed since its proposal', async () => {
    const f = governanceFixture({ timeLockSeconds: 2 * HOUR });
    await f.bootstrap();
    const slow = await f.propose();
    for (const id of ['alice', 'bob'])
      await decideChange(f.deps, { principal: member(id), changeId: slow.id, body: { decision: 'approve' } });
    const { groups } = f.deps.governance;
    groups.push({ ...groups[0]!, version: 2, changeId: 'chg-elsewhere' });
    f.advance(2 * HOUR);
    expect(await applyDueChanges(f.deps)).toEqual({ applied: [], failed: [slow.id], skipped: [] });
    expect((await getChange(f.deps, { changeId: slow.id })).failure).toMatch(
      /governance group changed \(version 1 → 2\)/,
    );
    expect(f.applied).toEqual([]);
  });
});

describe('listChanges', () => {
  it('lists newest first, filters by status, and refuses an unknown status', async () => {
    const f = await timeLocked();
    const pending = await f.propose();
    const all = await listChanges(f.deps, {});
    expect(all.items.map((c) => c.id)).toEqual([pending.id, f.change.id]);
    expect((await listChanges(f.deps, { status: 'TIME_LOCKED' })).items.map((c) => c.id)).toEqual([f.change.id]);
    expect(await refusalOf(listChanges(f.deps, { status: 'LOCKED' }))).toMatchObject({ field: 'status' });
  });
});
