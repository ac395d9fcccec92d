import type { ChainConfig } from '../../../../lambdas/domain/chain/chain-config';

/** A chain configuration as a deployment writes it (JSON, amounts as strings). */
export const chainConfigJson = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  chainId: 31337,
  name: 'anvil',
  rpcUrl: 'http://127.0.0.1:8545',
  confirmations: 2,
  maxFeePerGasCap: '100000000000',
  maxPriorityFeePerGasCap: '2000000000',
  feeCeiling: '200000000000',
  gasLimitMarginPercent: 20,
  gasLimitCeilings: { native: '21000', erc20: '100000', contractCall: '300000' },
  stuckAfterSeconds: 60,
  tokens: [{ address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', symbol: 'TT', decimals: 18 }],
  depositStartBlock: '0',
  depositScanBlocks: 100,
  ...overrides,
});

export const CHAIN: ChainConfig = {
  chainId: 31337,
  name: 'anvil',
  rpcUrl: 'http://127.0.0.1:8545',
  confirmations: 2,
  maxFeePerGasCap: 100_000_000_000n,
  maxPriorityFeePerGasCap: 2_000_000_000n,
  feeCeiling: 200_000_000_000n,
  gasLimitMarginPercent: 20,
  gasLimitCeilings: { native: 21_000n, erc20: 100_000n, contractCall: 300_000n },
  stuckAfterSeconds: 60,
  tokens: [{ address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', symbol: 'TT', decimals: 18 }],
  depositStartBlock: 0n,
  depositScanBlocks: 100,
};
