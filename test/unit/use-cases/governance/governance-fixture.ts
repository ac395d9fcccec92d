import type { ChangeView } from '../../../../lambdas/domain/governance/change-request';
import type { Principal } from '../../../../lambdas/domain/principal';
import { bootstrapGovernance } from '../../../../lambdas/use-cases/governance/bootstrap-governance';
import { proposeChange, type ProposeChangeRequest } from '../../../../lambdas/use-cases/governance/propose-change';
import { OutboxNotifier } from '../../../../lambdas/adapters/local/outbox-notifier';
import { MemoryAuditLog } from '../../../support/reconciliation-fakes';
import { MemoryGovernanceStore } from './memory-governance-store';

export const admin: Principal = { id: 'root', roles: ['admin'] };
export const member = (id: string): Principal => ({ id, roles: ['approver'] });
export const HOUR = 3600;

/** Governance in memory with a settable clock and an applier that records what it applied. */
export function governanceFixture(options: { timeLockSeconds?: number; applyError?: Error } = {}) {
  let now = new Date(Date.UTC(2026, 0, 1));
  const applied: ChangeView[] = [];
  const notifier = new OutboxNotifier(() => now);
  const deps = {
    governance: new MemoryGovernanceStore(),
    audit: new MemoryAuditLog(),
    clock: () => now,
    governanceTimeLockSeconds: options.timeLockSeconds ?? HOUR,
    notifier,
    publicBaseUrl: () => 'https://custody.example',
    apply: async (change: ChangeView): Promise<string> => {
      if (options.applyError !== undefined) throw options.applyError;
      applied.push(change);
      return `applied ${change.action.kind}`;
    },
  };
  return {
    deps,
    applied,
    /** What the members were sent: one message per member per proposed change. */
    outbox: notifier,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
    /** alice, bob, carol, dave: 2 of 4, deciding with tokens (no passkeys in these rules' tests). */
    bootstrap: () =>
      bootstrapGovernance(deps, {
        principal: admin,
        body: {
          members: ['alice', 'bob', 'carol', 'dave'].map((id) => ({ id, name: id })),
          quorum: 2,
          requirePasskeys: false,
        },
      }),
    propose: (overrides: Partial<ProposeChangeRequest> = {}) =>
      proposeChange(deps, {
        principal: admin,
        action: { kind: 'UNFREEZE_WALLET', subject: 'w-1', payload: { walletId: 'w-1' } },
        reason: 'investigated, false alarm',
        weakening: ['unfreezes a wallet'],
        ...overrides,
      }),
  };
}

/** The thrown error's code and intended governance code, for asserting a refusal. */
export async function refusalOf(promise: Promise<unknown>): Promise<{ code: unknown; governanceCode?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { code, details } = error as { code?: unknown; details?: { governanceCode?: unknown; field?: unknown } };
    return {
      code,
      ...(details?.governanceCode === undefined ? {} : { governanceCode: details.governanceCode }),
      ...(details?.field === undefined ? {} : { field: details.field }),
    };
  }
  throw new Error('expected a refusal');
}
