import { encodeFunctionData } from 'viem';
import { capsFromJson } from '../../../lambdas/co-signer/co-signer-config';
import { capFor, withinCap } from '../../../lambdas/co-signer/domain/daily-cap';
import { exposureOf } from '../../../lambdas/co-signer/domain/transfer-exposure';
import { ERC20_ABI } from '../../../lambdas/domain/intents';
import { ValidationError } from '../../../lambdas/domain/errors';
import { sampleProof } from '../domain/proof/proof-fixtures';

const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const SPENDER = '0x3333333333333333333333333333333333333333';
const tx = (overrides: Partial<ReturnType<typeof sampleProof>['transaction']>) => ({
  ...sampleProof().transaction,
  ...overrides,
});

describe('the co-signer’s daily cap', () => {
  it('takes the wallet’s cap for an asset over the default, and none for an asset neither names', () => {
    const caps = { default: { native: 10n, [USDC]: 5n }, wallets: { 'w-1': { native: 3n } } };
    expect(capFor(caps, 'w-1', 'native')).toBe(3n);
    expect(capFor(caps, 'w-1', USDC)).toBe(5n);
    expect(capFor(caps, 'w-2', 'native')).toBe(10n);
    expect(capFor(caps, 'w-1', USDC.toLowerCase() as typeof USDC)).toBe(5n);
    expect(capFor(caps, 'w-1', SPENDER)).toBeUndefined();
    expect(capFor({}, 'w-1', 'native')).toBeUndefined();
    // A wallet id that is an Object.prototype key is no wallet entry.
    expect(capFor({ wallets: {} }, 'constructor', 'native')).toBeUndefined();
  });

  it('holds up to the cap exactly', () => {
    expect(withinCap(10n, 4n, 6n)).toBe(true);
    expect(withinCap(10n, 4n, 7n)).toBe(false);
  });

  it('parses caps from configuration as decimal strings of base units, naming a bad field', () => {
    expect(capsFromJson({ default: { native: '1000' }, wallets: { 'w-1': { [USDC.toLowerCase()]: '5' } } })).toEqual({
      default: { native: 1000n },
      wallets: { 'w-1': { [USDC]: 5n } },
    });
    expect(() => capsFromJson({ default: { native: 1000 } })).toThrow(/caps\.default\.native/);
    expect(() => capsFromJson({ default: { ETH: '1' } })).toThrow(/caps\.default\.ETH/);
    expect(() => capsFromJson({ perWallet: {} })).toThrow(ValidationError);
  });
});

describe('what a transaction exposes, as the cap counts it', () => {
  it('a native transfer: its value', () => {
    expect(exposureOf(tx({ data: '0x', value: 7n }))).toEqual({ kind: 'valued', asset: 'native', amount: 7n });
  });

  it('ERC-20 transfer, approve and transferFrom: the token amount', () => {
    const from = sampleProof().transaction.from;
    for (const data of [
      encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [SPENDER, 9n] }),
      encodeFunctionData({ abi: ERC20_ABI, functionName: 'approve', args: [SPENDER, 9n] }),
      encodeFunctionData({ abi: ERC20_ABI, functionName: 'transferFrom', args: [from, SPENDER, 9n] }),
    ]) {
      expect(exposureOf(tx({ to: USDC, value: 0n, data }))).toEqual({ kind: 'valued', asset: USDC, amount: 9n });
    }
  });

  it('any other call, or calldata that does not decode canonically: unvalued', () => {
    expect(exposureOf(tx({ data: '0xabcdef01', value: 0n })).kind).toBe('unvalued');
    const transfer = encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [SPENDER, 9n] });
    expect(exposureOf(tx({ to: USDC, value: 1n, data: transfer })).kind).toBe('unvalued');
    expect(exposureOf(tx({ to: USDC, value: 0n, data: `${transfer}00` })).kind).toBe('unvalued');
  });
});
