import { encodeFunctionData, erc20Abi } from 'viem';
import type { VelocityUsage } from '../../../../lambdas/domain/policy/policy';
import { parsePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import { foldTransferEvents } from '../../../../lambdas/domain/lifecycle/transfer-lifecycle';
import type { Wallet } from '../../../../lambdas/domain/wallets/wallet';
import type { PriorActivity } from '../../../../lambdas/ports/ledger-store';
import { decidePolicy } from '../../../../lambdas/use-cases/transfers/decide-policy';
import type { TransferDeps } from '../../../../lambdas/use-cases/transfers/transfer-deps';

const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const;
const SPENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const ZERO: VelocityUsage = { daily: 0n, weekly: 0n, monthly: 0n };

const wallet = (policy: object): Wallet => ({
  id: 'w1',
  name: 'w1',
  chainId: 31337,
  keyScheme: 'kms',
  keyId: 'k1',
  address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  status: 'ACTIVE',
  createdAt: NOW,
  createdBy: 'admin',
  updatedAt: NOW,
  policy: parsePolicy({ version: 1, ...policy }, { groups: new Map([['treasury', { size: 3 }]]) }),
  version: 2,
});

/** approve(SPENDER, 100) on TOKEN, submitted with this exposure: no principal reserved. */
const approve = (exposure: bigint) =>
  foldTransferEvents([
    {
      transferId: 'tx-1',
      seq: 1,
      type: 'SUBMITTED',
      at: NOW,
      actor: 'ops',
      data: {
        walletId: 'w1',
        initiatorId: 'ops',
        traceId: 't1',
        chainId: 31337,
        to: TOKEN,
        asset: 'native',
        amount: 0n,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [SPENDER, 100n] }),
        feeAllowance: 2n,
        reserved: { asset: TOKEN, amount: 0n },
        exposure,
      },
    },
  ]);

/** A ledger that answers priorActivity with `activity` and records what it was asked. */
function ledgerAnswering(activity: PriorActivity) {
  const asked: string[] = [];
  const ledger = {
    priorActivity: (transferId: string) => {
      asked.push(transferId);
      return Promise.resolve(activity);
    },
  } as unknown as TransferDeps['ledger'];
  return { ledger, asked };
}

const limits = (extra: object) => ({
  rules: [{ id: 'approvals', match: { operations: ['approve'] }, action: { type: 'ALLOW' } }],
  limits: { approval: { quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 }, ...extra },
});

describe('decidePolicy', () => {
  it('judges velocity at the transfer’s exposure, with the usage the ledger read as of its reservation', async () => {
    const { ledger, asked } = ledgerAnswering({ usage: { daily: 1n, weekly: 1n, monthly: 1n } });
    const policy = wallet(limits({ perAsset: { [TOKEN]: { daily: '100' } } }));
    const { decision: raising } = await decidePolicy({ ledger, clock: () => NOW }, approve(100n), policy);
    expect(asked).toEqual(['tx-1']);
    expect(raising.action).toBe('REQUIRE_APPROVAL');
    expect(raising.violations.map((v) => v.code)).toContain('DAILY_LIMIT');
    // An approve that lowers the spender's allowance exposes nothing: 1 + 0 is within 100.
    expect((await decidePolicy({ ledger, clock: () => NOW }, approve(0n), policy)).decision.action).toBe('ALLOW');
  });

  it('takes the previous transfer’s time for the cooldown from the ledger', async () => {
    const recent = ledgerAnswering({ usage: ZERO, previousReservationAt: new Date(NOW.getTime() - 60_000) });
    const policy = wallet(limits({ cooldownSeconds: 3600 }));
    const { decision: held } = await decidePolicy({ ledger: recent.ledger, clock: () => NOW }, approve(0n), policy);
    expect(held.violations.map((v) => v.code)).toEqual(['COOLDOWN']);
    const first = ledgerAnswering({ usage: ZERO });
    expect((await decidePolicy({ ledger: first.ledger, clock: () => NOW }, approve(0n), policy)).decision.action).toBe(
      'ALLOW',
    );
  });
});
