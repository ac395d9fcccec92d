import { loadRuntimeConfig } from '../../../lambdas/composition/runtime-config';

const TABLES = { events: 'e', transfers: 't', ledger: 'l', audit: 'a', approvals: 'p', nonces: 'n' };
const CHAIN = {
  chainId: 31337,
  name: 'anvil',
  rpcUrl: 'http://127.0.0.1:8545',
  confirmations: 1,
  maxFeePerGasCap: '100',
  maxPriorityFeePerGasCap: '2',
  feeCeiling: '200',
  gasLimitMarginPercent: 20,
  gasLimitCeilings: { native: '21000', erc20: '100000', contractCall: '300000' },
  stuckAfterSeconds: 30,
  tokens: [],
  depositStartBlock: '0',
  depositScanBlocks: 100,
};
const env = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  STRONGROOM_DEPLOYMENT_ID: 'd',
  STRONGROOM_TABLES: JSON.stringify(TABLES),
  STRONGROOM_CHAINS: JSON.stringify([CHAIN]),
  STRONGROOM_KEY_BACKEND: 'local',
  STRONGROOM_LOCAL_VAULT_PASSPHRASE: 'p',
  STRONGROOM_LOCAL_SEALER_KEY: '11'.repeat(32),
  STRONGROOM_PAGE_TOKEN_KEY: '22'.repeat(32),
  STRONGROOM_APPROVAL_KEY_ID: 'k1',
  STRONGROOM_APPROVAL_KEY_ADDRESS: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  STRONGROOM_AUDIT_KEY_ID: 'k2',
  ...overrides,
});

describe('loadRuntimeConfig', () => {
  it('reads a complete environment', () => {
    const config = loadRuntimeConfig(env());
    expect(config).toMatchObject({
      deploymentId: 'd',
      tables: TABLES,
      confirmationPollSeconds: 4,
      proofValiditySeconds: 120,
      keys: { kind: 'local' },
    });
    expect(config.chains[0]?.feeCeiling).toBe(200n);
  });

  it.each([
    ['STRONGROOM_DEPLOYMENT_ID', undefined],
    ['STRONGROOM_TABLES', '{"events":"e"}'],
    ['STRONGROOM_CHAINS', '[]'],
    ['STRONGROOM_LOCAL_SEALER_KEY', 'abcd'],
    ['STRONGROOM_PAGE_TOKEN_KEY', undefined],
    ['STRONGROOM_PAGE_TOKEN_KEY', '22'.repeat(31)],
    ['STRONGROOM_PAGE_TOKEN_KEY', `${'22'.repeat(32)}zz`],
    ['STRONGROOM_KEY_BACKEND', 'hsm'],
    ['STRONGROOM_CONFIRMATION_POLL_SECONDS', '0.2'],
    ['STRONGROOM_CONFIRMATION_POLL_SECONDS', '0'],
    ['STRONGROOM_DENY_LIST', '"0xabc"'],
  ])('fails at cold start, naming %s, when it is %s', (name, value) => {
    expect(() => loadRuntimeConfig(env({ [name]: value }))).toThrow(
      name === 'STRONGROOM_TABLES' ? /STRONGROOM_TABLES/ : new RegExp(name),
    );
  });

  it('needs the sealing key id with KMS', () => {
    expect(() => loadRuntimeConfig(env({ STRONGROOM_KEY_BACKEND: 'kms' }))).toThrow(/STRONGROOM_SEALER_KEY_ID/);
    expect(loadRuntimeConfig(env({ STRONGROOM_KEY_BACKEND: 'kms', STRONGROOM_SEALER_KEY_ID: 'alias/x' })).keys).toEqual(
      { kind: 'kms', sealerKeyId: 'alias/x' },
    );
  });
});
