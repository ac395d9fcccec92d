// Policy evaluations per second on a realistic 50-rule policy (figures to read, not a threshold).
import { encodeFunctionData, getAddress, parseAbi, type Address } from 'viem';
import { buildIntent, type Intent } from '../lambdas/domain/intents';
import { evaluatePolicy } from '../lambdas/domain/policy/evaluate-policy';
import { parsePolicy } from '../lambdas/domain/policy/parse-policy';
import type { EvaluationInput, Policy } from '../lambdas/domain/policy/policy';
import { printTable, throughput } from './lib/measure';

const address = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, '0')}`);

const WALLET = address(0xa11e7);
const USDC = address(0xc0);
const WETH = address(0xc1);
const VAULT = address(0xd0);
const ROUTER = address(0xd1);
const sanctioned = Array.from({ length: 200 }, (_, i) => address(0x5000 + i));
const suppliers = Array.from({ length: 40 }, (_, i) => address(0x1000 + i));
const exchanges = Array.from({ length: 8 }, (_, i) => address(0x2000 + i));
const STRANGER = address(0x9999);

const GROUPS = new Map([
  ['treasury', { size: 5 }],
  ['risk', { size: 3 }],
  ['ops', { size: 8 }],
]);

const allowlist = (addresses: Address[]) => ({ type: 'allowlist', addresses });
const approval = (quorum: number, approverGroup: string, timeoutSeconds: number) => ({
  type: 'REQUIRE_APPROVAL',
  quorum,
  approverGroup,
  timeoutSeconds,
});

/** 50 rules: deny-lists first, then one tier per supplier group, exchanges, approvals and contract calls. */
function realisticPolicy(): Policy {
  const rules: object[] = [
    {
      id: 'deny-sanctioned',
      match: {
        counterparty: { type: 'denylist', addresses: sanctioned },
        operations: ['transfer', 'approve', 'transferFrom'],
      },
      action: { type: 'BLOCK' },
      escalate: 'FREEZE',
    },
    {
      id: 'deny-auditor-initiated',
      match: { initiatorRoles: ['auditor'], operations: ['transfer', 'approve', 'transferFrom'] },
      action: { type: 'BLOCK' },
    },
  ];
  for (let i = 0; i < 10; i++) {
    const group = suppliers.slice(i * 4, i * 4 + 4);
    rules.push({
      id: `supplier-${i}-small`,
      match: { assets: [USDC], counterparty: allowlist(group), amount: { max: '10000000000' } },
      action: { type: 'ALLOW' },
    });
    rules.push({
      id: `supplier-${i}-large`,
      match: { assets: [USDC], counterparty: allowlist(group), amount: { min: '10000000001' } },
      action: approval(2, 'treasury', 86_400),
    });
    rules.push({
      id: `supplier-${i}-native`,
      match: { assets: ['native'], counterparty: allowlist(group), amount: { max: '1000000000000000000' } },
      action: { type: 'ALLOW' },
    });
  }
  for (let i = 0; i < 8; i++) {
    rules.push({
      id: `exchange-${i}`,
      match: {
        assets: [USDC, WETH, 'native'],
        counterparty: allowlist([exchanges[i]!]),
        initiatorRoles: ['operator', 'admin'],
      },
      action: approval(1, 'ops', 3_600),
    });
  }
  rules.push(
    {
      id: 'approve-router',
      match: {
        operations: ['approve'],
        assets: [USDC, WETH],
        counterparty: allowlist([ROUTER]),
        amount: { max: '1000000000000' },
      },
      action: approval(2, 'risk', 3_600),
    },
    {
      id: 'vault-deposit',
      match: {
        contractCall: {
          target: VAULT,
          signature: 'deposit(uint256,address)',
          args: [
            { index: 0, max: '1000000000000000000000' },
            { index: 1, oneOf: [WALLET] },
          ],
        },
      },
      action: { type: 'ALLOW' },
    },
    {
      id: 'vault-withdraw',
      match: {
        contractCall: {
          target: VAULT,
          signature: 'withdraw(uint256,address,address)',
          args: [{ index: 1, oneOf: [WALLET] }],
        },
      },
      action: approval(1, 'treasury', 3_600),
    },
    {
      id: 'very-large',
      match: { amount: { min: '1000000000000000000000' }, operations: ['transfer', 'transferFrom'] },
      action: approval(3, 'treasury', 7_200),
    },
    {
      id: 'weth-any',
      match: { assets: [WETH], counterparty: { type: 'any' }, initiatorRoles: ['admin'] },
      action: approval(3, 'treasury', 3_600),
    },
    {
      id: 'deny-transfer-from',
      match: { operations: ['transferFrom'], initiatorRoles: ['operator'] },
      action: { type: 'BLOCK' },
    },
    {
      id: 'native-dust',
      match: { assets: ['native'], amount: { max: '1000' }, counterparty: allowlist(suppliers) },
      action: { type: 'ALLOW' },
    },
    {
      id: 'deny-contract-callers',
      match: { contractCall: { target: ROUTER, signature: 'multicall(bytes[])' } },
      action: { type: 'BLOCK' },
      escalate: 'NOTIFY',
    },
    {
      id: 'weth-exchange-large',
      match: { assets: [WETH], counterparty: allowlist(exchanges), amount: { min: '100000000000000000000' } },
      action: approval(2, 'treasury', 3_600),
    },
    {
      id: 'deny-approve-unlimited',
      match: { operations: ['approve'], amount: { min: '1000000000000000000000000' } },
      action: { type: 'BLOCK' },
      escalate: 'NOTIFY',
    },
  );
  return parsePolicy(
    {
      version: 12,
      rules,
      limits: {
        perAsset: {
          native: {
            perTransaction: '5000000000000000000',
            daily: '20000000000000000000',
            weekly: '50000000000000000000',
            monthly: '100000000000000000000',
          },
          [USDC]: { perTransaction: '100000000000', daily: '500000000000', monthly: '5000000000000' },
        },
        allowedWeekdays: [1, 2, 3, 4, 5],
        cooldownSeconds: 10,
        approval: { quorum: 2, approverGroup: 'risk', timeoutSeconds: 3_600 },
      },
      escalation: { high: 'FREEZE', critical: 'LOCKDOWN' },
    },
    { groups: GROUPS },
  );
}

const request = (to: Address, asset: string, amount: bigint, data?: string): Intent =>
  buildIntent({ to, asset, amount: amount.toString(), data }, WALLET);

const SCENARIOS: ReadonlyArray<readonly [string, Intent]> = [
  ['supplier USDC, allowed', request(suppliers[37]!, USDC, 5_000_000n)],
  ['supplier USDC, approval', request(suppliers[37]!, USDC, 50_000_000_000n)],
  ['stranger, denied by default', request(STRANGER, 'native', 10n ** 15n)],
  ['sanctioned, blocked', request(sanctioned[150]!, 'native', 1n)],
  [
    'router approve in data',
    request(
      USDC,
      'native',
      0n,
      encodeFunctionData({
        abi: parseAbi(['function approve(address,uint256)']),
        functionName: 'approve',
        args: [ROUTER, 10n ** 9n],
      }),
    ),
  ],
  [
    'vault deposit (decoded)',
    request(
      VAULT,
      'native',
      0n,
      encodeFunctionData({
        abi: parseAbi(['function deposit(uint256,address)']),
        functionName: 'deposit',
        args: [10n ** 18n, WALLET],
      }),
    ),
  ],
];

const input = (intent: Intent): EvaluationInput => ({
  intent,
  initiator: { id: 'svc-payments', roles: ['operator'] },
  now: new Date('2024-06-05T12:00:00Z'),
  walletStatus: 'ACTIVE',
  usage: { daily: 10n ** 9n, weekly: 10n ** 10n, monthly: 10n ** 11n },
  lastTransferAt: new Date('2024-06-05T11:59:00Z'),
});

export function run(): void {
  const policy = realisticPolicy();
  const inputs = SCENARIOS.map(([, intent]) => input(intent));
  const rows = SCENARIOS.map(([name], i) => throughput(name, () => void evaluatePolicy(policy, inputs[i]!)));
  rows.push(
    throughput('mixed (all of the above in turn)', (i) => void evaluatePolicy(policy, inputs[i % inputs.length]!)),
  );
  printTable(`policy evaluation (${policy.rules.length} rules, evaluations per second)`, rows);
}
