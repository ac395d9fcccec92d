import type { Principal } from '../../../../lambdas/domain/principal';
import type { BalanceMismatchException } from '../../../../lambdas/domain/reconciliation/reconciliation-exception';
import { listExceptions } from '../../../../lambdas/use-cases/reconciliation/list-exceptions';
import { resolveException } from '../../../../lambdas/use-cases/reconciliation/resolve-exception';
import { MemoryAuditLog, MemoryReconciliationStore } from '../../../support/reconciliation-fakes';

const NOW = new Date('2026-12-05T12:00:00Z');
const ADMIN: Principal = { id: 'admin-1', roles: ['admin'] };

const mismatch = (id: string, walletId: string): BalanceMismatchException => ({
  kind: 'BALANCE_MISMATCH',
  id,
  walletId,
  chainId: 31337,
  asset: 'native',
  detectedAt: NOW,
  blockNumber: 5n,
  blockHash: `0x${'ab'.repeat(32)}`,
  chainBalance: 1n,
  ledger: { settled: 2n, reserved: 0n, pendingOut: 0n, pendingIn: 0n },
  expected: { min: 2n, max: 2n },
  difference: -1n,
});

async function setup() {
  const reconciliation = new MemoryReconciliationStore();
  const audit = new MemoryAuditLog();
  await reconciliation.record(mismatch('mis-1', 'w-1'));
  await reconciliation.record(mismatch('mis-2', 'w-2'));
  return { deps: { reconciliation, audit, clock: () => NOW }, audit };
}

describe('the reconciliation exception queue', () => {
  it('resolves an exception once with the reason, audited; a second resolution is a conflict', async () => {
    const t = await setup();
    const resolved = await resolveException(t.deps, {
      principal: ADMIN,
      exceptionId: 'mis-1',
      body: { reason: 'token airdrop clawback, confirmed with the issuer' },
    });
    expect(resolved).toMatchObject({
      id: 'mis-1',
      status: 'resolved',
      resolution: { resolvedBy: 'admin-1', reason: 'token airdrop clawback, confirmed with the issuer', at: NOW },
    });
    expect(t.audit.entries).toEqual([
      expect.objectContaining({
        traceId: 'reconciliation.mis-1',
        actor: 'admin-1',
        action: 'RECONCILIATION_EXCEPTION_RESOLVED',
      }),
    ]);
    await expect(
      resolveException(t.deps, { principal: ADMIN, exceptionId: 'mis-1', body: { reason: 'again' } }),
    ).rejects.toMatchObject({ code: 'RECONCILIATION.ALREADY_RESOLVED', kind: 'conflict' });
    expect(t.audit.entries).toHaveLength(1);
  });

  it('refuses a resolution without a reason naming the field, and an unknown exception', async () => {
    const t = await setup();
    await expect(resolveException(t.deps, { principal: ADMIN, exceptionId: 'mis-1', body: {} })).rejects.toMatchObject({
      code: 'REQUEST.MISSING_FIELD',
      details: { field: 'reason' },
    });
    await expect(
      resolveException(t.deps, { principal: ADMIN, exceptionId: 'mis-1', body: { reason: 7 } }),
    ).rejects.toMatchObject({ kind: 'invalid', details: { field: 'reason' } });
    await expect(
      resolveException(t.deps, { principal: ADMIN, exceptionId: 'mis-9', body: { reason: 'x' } }),
    ).rejects.toMatchObject({ code: 'RECONCILIATION.EXCEPTION_NOT_FOUND' });
  });

  it('lists by wallet and by status', async () => {
    const t = await setup();
    await resolveException(t.deps, { principal: ADMIN, exceptionId: 'mis-2', body: { reason: 'known' } });
    const ids = async (request: { walletId?: string; status?: string }) =>
      (await listExceptions(t.deps, { ...request, page: {} })).items.map((e) => [e.id, e.status]);
    expect(await ids({})).toEqual([
      ['mis-2', 'resolved'],
      ['mis-1', 'open'],
    ]);
    expect(await ids({ status: 'open' })).toEqual([['mis-1', 'open']]);
    expect(await ids({ status: 'resolved' })).toEqual([['mis-2', 'resolved']]);
    expect(await ids({ walletId: 'w-1' })).toEqual([['mis-1', 'open']]);
    await expect(listExceptions(t.deps, { status: 'closed', page: {} })).rejects.toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
      details: { field: 'status' },
    });
  });
});
