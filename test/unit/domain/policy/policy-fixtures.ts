import { encodeFunctionData, parseAbi, type Hex } from 'viem';
import type { Address } from '../../../../lambdas/domain/address';
import { PolicyValidationError } from '../../../../lambdas/domain/errors';
import { buildIntent, type Intent } from '../../../../lambdas/domain/intents';
import { parsePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import type { EvaluationInput, Policy } from '../../../../lambdas/domain/policy/policy';
import type { Role } from '../../../../lambdas/domain/principal';

// anvil's well-known accounts and first deployments: real checksummed addresses.
export const WALLET: Address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const ALICE: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
export const BOB: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
export const MIXER: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
export const SPENDER: Address = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
export const TOKEN: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const OTHER_TOKEN: Address = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
export const VAULT: Address = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0';

export const GROUPS = new Map([
  ['treasury', { size: 3 }],
  ['risk', { size: 2 }],
  ['ops', { size: 5 }],
]);

/** Wednesday, 12:00 UTC. */
export const NOON = new Date('2024-06-05T12:00:00Z');

export const VAULT_ABI = parseAbi(['function deposit(uint256 amount, address receiver)', 'function setFee(uint8 fee)']);

export const policy = (json: unknown): Policy => parsePolicy(json, { groups: GROUPS });

export const nativeTransfer = (to: Address, amount: bigint): Intent =>
  buildIntent({ to, asset: 'native', amount: amount.toString() }, WALLET);

export const tokenTransfer = (to: Address, amount: bigint, asset: Address = TOKEN): Intent =>
  buildIntent({ to, asset, amount: amount.toString() }, WALLET);

/** A request with client-supplied calldata, decoded as buildIntent does for the API. */
export const callIntent = (to: Address, data: Hex, value = 0n): Intent =>
  buildIntent({ to, asset: 'native', amount: value.toString(), data }, WALLET);

export const erc20Approve = (spender: Address, amount: bigint, token: Address = TOKEN): Intent =>
  callIntent(
    token,
    encodeFunctionData({
      abi: parseAbi(['function approve(address,uint256)']),
      functionName: 'approve',
      args: [spender, amount],
    }),
  );

export const erc20IncreaseAllowance = (spender: Address, added: bigint, token: Address = TOKEN): Intent =>
  callIntent(
    token,
    encodeFunctionData({
      abi: parseAbi(['function increaseAllowance(address,uint256)']),
      functionName: 'increaseAllowance',
      args: [spender, added],
    }),
  );

/** An ERC-2612 `permit` call carrying a signature: not an approval the wallet grants, so a contract call. */
export const erc20Permit = (owner: Address, spender: Address, value: bigint, token: Address = TOKEN): Intent =>
  callIntent(
    token,
    encodeFunctionData({
      abi: parseAbi(['function permit(address,address,uint256,uint256,uint8,bytes32,bytes32)']),
      functionName: 'permit',
      args: [owner, spender, value, 2n ** 40n, 27, `0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`],
    }),
  );

export const vaultDeposit = (amount: bigint, receiver: Address, target: Address = VAULT): Intent =>
  callIntent(target, encodeFunctionData({ abi: VAULT_ABI, functionName: 'deposit', args: [amount, receiver] }));

export function input(intent: Intent, overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    intent,
    initiator: { id: 'user-1', roles: ['operator'] },
    now: NOON,
    walletStatus: 'ACTIVE',
    usage: { daily: 0n, weekly: 0n, monthly: 0n },
    ...overrides,
  };
}

export const initiator = (...roles: Role[]): EvaluationInput['initiator'] => ({ id: 'user-1', roles });

export const allow = (id: string, match: object = {}) => ({ id, match, action: { type: 'ALLOW' } });
export const block = (id: string, match: object = {}, extra: object = {}) => ({
  id,
  match,
  action: { type: 'BLOCK' },
  ...extra,
});
export const approval = (
  id: string,
  quorum: number,
  approverGroup: string,
  timeoutSeconds: number,
  match: object = {},
) => ({
  id,
  match,
  action: { type: 'REQUIRE_APPROVAL', quorum, approverGroup, timeoutSeconds },
});

/** The refusal parsing `json` raises; fails the test when it parses. */
export function refusal(json: unknown): PolicyValidationError {
  try {
    policy(json);
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected the policy to be refused');
}
