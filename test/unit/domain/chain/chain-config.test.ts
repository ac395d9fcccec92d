import { parseChainConfig } from '../../../../lambdas/domain/chain/chain-config';
import { ValidationError } from '../../../../lambdas/domain/errors';
import { CHAIN, chainConfigJson } from './chain-config-fixture';

describe('parseChainConfig', () => {
  it('reads a complete configuration, amounts as bigint', () => {
    expect(parseChainConfig(chainConfigJson())).toEqual(CHAIN);
  });

  const bad: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['an unknown field', { extra: 1 }, 'chain.extra'],
    ['a chain id of 0', { chainId: 0 }, 'chain.chainId'],
    ['a chain id as a string', { chainId: '1' }, 'chain.chainId'],
    ['zero confirmations', { confirmations: 0 }, 'chain.confirmations'],
    ['a fee cap as a number', { maxFeePerGasCap: 1e11 }, 'chain.maxFeePerGasCap'],
    ['a priority cap above the fee cap', { maxPriorityFeePerGasCap: '200000000000' }, 'chain.maxPriorityFeePerGasCap'],
    ['a fee ceiling below the cap', { feeCeiling: '1' }, 'chain.feeCeiling'],
    [
      'a native gas ceiling below 21000',
      { gasLimitCeilings: { native: '20999', erc20: '1', contractCall: '1' } },
      'chain.gasLimitCeilings.native',
    ],
    ['an RPC URL that is not http', { rpcUrl: 'file:///etc/passwd' }, 'chain.rpcUrl'],
    [
      'a token with a bad checksum',
      { tokens: [{ address: '0x5fbDB2315678afecb367f032d93F642f64180aa3', symbol: 'TT', decimals: 18 }] },
      'chain.tokens[0].address',
    ],
    ['a token listed twice', { tokens: [CHAIN.tokens[0], CHAIN.tokens[0]] }, 'chain.tokens[1].address'],
    ['a fractional margin', { gasLimitMarginPercent: 1.5 }, 'chain.gasLimitMarginPercent'],
  ];
  it.each(bad)('refuses %s, naming the field', (_name, overrides, field) => {
    const parse = (): unknown => parseChainConfig(chainConfigJson(overrides));
    expect(parse).toThrow(ValidationError);
    try {
      parse();
    } catch (error) {
      expect((error as ValidationError).field).toBe(field);
    }
  });
});
