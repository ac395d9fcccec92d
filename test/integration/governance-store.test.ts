import { DynamoGovernanceStore } from '../../lambdas/adapters/dynamodb/dynamo-governance-store';
import { StrongroomError } from '../../lambdas/domain/errors';
import type { ChangeView } from '../../lambdas/domain/governance/change-request';
import type { Principal } from '../../lambdas/domain/principal';
import { applyDueChanges } from '../../lambdas/use-cases/governance/apply-due-changes';
import { bootstrapGovernance } from '../../lambdas/use-cases/governance/bootstrap-governance';
import { decideChange } from '../../lambdas/use-cases/governance/decide-change';
import { getChange } from '../../lambdas/use-cases/governance/get-change';
import { listChanges } from '../../lambdas/use-cases/governance/list-changes';
import { proposeChange } from '../../lambdas/use-cases/governance/propose-change';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { OutboxNotifier } from '../../lambdas/adapters/local/outbox-notifier';
import { linkSecretHash, memberOfLink } from '../../lambdas/domain/approvals/approval-link';
import { freshTables } from '../support/dynamodb';
import { MemoryAuditLog } from '../support/reconciliation-fakes';

const HOUR = 3600;
const admin: Principal = { id: 'root', roles: ['admin'] };
const member = (id: string): Principal => ({ id, roles: ['approver'] });
const GROUP = {
  members: ['alice', 'bob', 'carol', 'dave'].map((id) => ({ id, name: id })),
  quorum: 2,
  requirePasskeys: false,
};

/** Each test has its own tables, so each bootstraps its own governance. */
async function governance() {
  const fresh = await freshTables();
  let now = new Date(Date.UTC(2026, 0, 1));
  const applied: string[] = [];
  const notifier = new OutboxNotifier(() => now);
  const deps = {
    governance: new DynamoGovernanceStore(fresh.doc, fresh.names.events),
    audit: new MemoryAuditLog(),
    clock: () => now,
    governanceTimeLockSeconds: HOUR,
    notifier,
    publicBaseUrl: () => 'https://custody.example',
    apply: async (change: ChangeView): Promise<string> => {
      applied.push(change.id);
      // Slow enough that a concurrent sweep would overlap with it, were the claim not there.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'done';
    },
  };
  const close = () => fresh.client.destroy();
  return {
    deps,
    applied,
    outbox: notifier,
    scan: () => fresh.doc.send(new ScanCommand({ TableName: fresh.names.events })),
    close,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
    propose: () =>
      proposeChange(deps, {
        principal: admin,
        action: { kind: 'UNFREEZE_WALLET', subject: 'w-1', payload: { walletId: 'w-1' } },
        reason: 'false alarm',
        weakening: ['unfreezes a wallet'],
      }),
    decide: (memberId: string, changeId: string, decision: 'approve' | 'veto') =>
      decideChange(deps, { principal: member(memberId), changeId, body: { decision } }),
  };
}

const codeOf = (result: PromiseSettledResult<unknown>): unknown =>
  result.status === 'rejected' && result.reason instanceof StrongroomError
    ? result.reason.details.governanceCode
    : result.status;

describe('DynamoGovernanceStore', () => {
  it('bootstraps once: of two concurrent bootstraps exactly one wins', async () => {
    const g = await governance();
    try {
      const results = await Promise.allSettled([
        bootstrapGovernance(g.deps, { principal: admin, body: GROUP }),
        bootstrapGovernance(g.deps, { principal: admin, body: { ...GROUP, quorum: 1 } }),
      ]);
      expect(results.map(codeOf).sort()).toEqual(['GOVERNANCE.ALREADY_BOOTSTRAPPED', 'fulfilled']);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(await g.deps.governance.group()).toEqual({ ...GROUP, quorum: winner === 0 ? 2 : 1, version: 1 });
    } finally {
      g.close();
    }
  });

  it('round-trips a change and keeps a member to one decision under concurrency', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const change = await g.propose();
      expect(await getChange(g.deps, { changeId: change.id })).toEqual(change);
      const results = await Promise.allSettled([
        g.decide('alice', change.id, 'approve'),
        g.decide('alice', change.id, 'approve'),
        g.decide('alice', change.id, 'veto'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.map(codeOf).filter((c) => c !== 'fulfilled')).toEqual([
        'GOVERNANCE.DUPLICATE_DECISION',
        'GOVERNANCE.DUPLICATE_DECISION',
      ]);
      expect((await g.deps.governance.get(change.id))?.decisions.map((d) => d.memberId)).toEqual(['alice']);
    } finally {
      g.close();
    }
  });

  it('keeps each member link as a hash only: the secret the member was sent matches it and is nowhere in the table', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const change = await g.propose();
      const sent = g.outbox.list().filter((m) => m.changeId === change.id);
      expect(sent.map((m) => m.to).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
      const links = await g.deps.governance.links(change.id);
      expect(links).toHaveLength(4);
      for (const message of sent) {
        const secret = new URL(message.link).searchParams.get('t') ?? '';
        expect(message.link).toBe(`https://custody.example/v1/governance/changes/${change.id}/decide?t=${secret}`);
        expect(memberOfLink(links, secret)).toBe(message.to);
        expect(links.find((l) => l.memberId === message.to)?.secretHash).toBe(linkSecretHash(secret));
      }
      const table = JSON.stringify((await g.scan()).Items);
      for (const message of sent) expect(table).not.toContain(new URL(message.link).searchParams.get('t'));
      expect(await g.deps.governance.links('chg-0000000000000000')).toEqual([]);
    } finally {
      g.close();
    }
  });

  it('a veto and a claim to apply never both succeed; the outcome is recorded once', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const change = await g.propose();
      await g.decide('alice', change.id, 'approve');
      await g.decide('bob', change.id, 'approve');
      g.advance(HOUR);
      const at = g.deps.clock();
      const [veto, claim] = await Promise.allSettled([
        g.decide('carol', change.id, 'veto'),
        g.deps.governance.claim(change.id, { attempt: 1, by: 'sweep', at }),
      ]);
      const vetoed = veto.status === 'fulfilled';
      const claimed = claim.status === 'fulfilled' && claim.value;
      // Mutual exclusion; both may lose only to each other's transaction, leaving the change as it was.
      expect(vetoed && claimed).toBe(false);
      if (!vetoed) expect(codeOf(veto)).toBe('GOVERNANCE.ALREADY_FINAL');
      const view = await getChange(g.deps, { changeId: change.id });
      expect(view.status).toBe(vetoed ? 'VETOED' : claimed ? 'APPLYING' : 'TIME_LOCKED');
      if (claimed) {
        const applied = { status: 'APPLIED' as const, at, result: 'ok' };
        const failed = { status: 'FAILED' as const, at, failure: 'late' };
        const recorded = await Promise.all([
          g.deps.governance.recordOutcome(change.id, applied),
          g.deps.governance.recordOutcome(change.id, failed),
        ]);
        expect(recorded.filter(Boolean)).toHaveLength(1);
        expect((await g.deps.governance.get(change.id))?.outcome).toEqual(recorded[0] ? applied : failed);
      }
    } finally {
      g.close();
    }
  });

  it('two concurrent sweeps apply a due change once; a later sweep applies nothing', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const change = await g.propose();
      await g.decide('alice', change.id, 'approve');
      await g.decide('bob', change.id, 'approve');
      g.advance(HOUR);
      const reports = await Promise.all([applyDueChanges(g.deps), applyDueChanges(g.deps), applyDueChanges(g.deps)]);
      expect(reports.flatMap((r) => r.applied)).toEqual([change.id]);
      expect(g.applied).toEqual([change.id]);
      expect(await applyDueChanges(g.deps)).toEqual({ applied: [], failed: [], skipped: [] });
      expect(await getChange(g.deps, { changeId: change.id })).toMatchObject({ status: 'APPLIED', result: 'done' });
      expect(await g.deps.governance.claim(change.id, { attempt: 2, by: 'late', at: g.deps.clock() })).toBe(false);
    } finally {
      g.close();
    }
  });

  it('appends governance group versions in order, once each', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const next = { ...GROUP, quorum: 3, version: 2 };
      const results = await Promise.allSettled([
        g.deps.governance.appendGroupVersion(next, 'chg-a', 'sweep', g.deps.clock()),
        g.deps.governance.appendGroupVersion({ ...next, quorum: 1 }, 'chg-b', 'sweep', g.deps.clock()),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await g.deps.governance.group()).toMatchObject({ version: 2 });
      await expect(
        g.deps.governance.appendGroupVersion({ ...next, version: 4 }, 'chg-c', 'sweep', g.deps.clock()),
      ).rejects.toMatchObject({ code: 'STORE.CONFLICT' });
    } finally {
      g.close();
    }
  });

  it('lists changes newest first in pages, and filters by status', async () => {
    const g = await governance();
    try {
      await bootstrapGovernance(g.deps, { principal: admin, body: GROUP });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await g.propose()).id);
        g.advance(1);
      }
      await g.decide('alice', ids[1]!, 'veto');
      const first = await listChanges(g.deps, { page: { limit: 3 } });
      expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3], ids[2]]);
      const second = await listChanges(g.deps, { page: { limit: 3, nextToken: first.nextToken } });
      expect(second.items.map((c) => c.id)).toEqual([ids[1], ids[0]]);
      expect(second.nextToken).toBeUndefined();
      expect((await listChanges(g.deps, { status: 'VETOED' })).items.map((c) => c.id)).toEqual([ids[1]]);
      await expect(listChanges(g.deps, { page: { nextToken: 'forged' } })).rejects.toMatchObject({
        details: { field: 'nextToken' },
      });
    } finally {
      g.close();
    }
  });
});
