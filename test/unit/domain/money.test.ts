import { parseAmount, MAX_UINT256 } from '../../../lambdas/domain/money';

describe('parseAmount', () => {
  it('accepts the largest uint256', () => {
    expect(parseAmount(MAX_UINT256.toString(), 'amount')).toBe(MAX_UINT256);
  });
});
