import { ConfigReader } from '../../../lambdas/composition/runtime-config';

/** Every value the reader reads, as one function that needs everything would read them at cold start. */
function readAll(env: NodeJS.ProcessEnv) {
  const reader = new ConfigReader(env);
  return {
    deploymentId: reader.deploymentId(),
    tables: reader.tables(),
    chains: reader.chains(),
    keys: reader.keyBackend(),
    pageTokenKey: reader.localPageTokenKey(),
    approvalKeyId: reader.approvalKeyId(),
    approvalKeyAddress: reader.approvalKeyAddress(),
    auditKeyId: reader.auditKeyId(),
    denyList: reader.denyList(),
    travelRuleThresholds: reader.travelRuleThresholds(),
    proofValiditySeconds: reader.proofValiditySeconds(),
    confirmationPollSeconds: reader.confirmationPollSeconds(),
  };
}

const TABLES = {
  events: 'e',
  transfers: 't',
  ledger: 'l',
  audit: 'a',
  approvals: 'p',
  nonces: 'n',
  signingJobs: 's',
  coSigner: 'c',
};
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

describe('ConfigReader', () => {
  it('reads a complete environment', () => {
    const config = readAll(env());
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
    ['STRONGROOM_PAGE_TOKEN_KEY', '22'.repeat(31)],
    ['STRONGROOM_PAGE_TOKEN_KEY', `${'22'.repeat(32)}zz`],
    ['STRONGROOM_KEY_BACKEND', 'hsm'],
    ['STRONGROOM_CONFIRMATION_POLL_SECONDS', '0.2'],
    ['STRONGROOM_CONFIRMATION_POLL_SECONDS', '0'],
    ['STRONGROOM_DENY_LIST', '"0xabc"'],
  ])('fails at cold start, naming %s, when it is %s', (name, value) => {
    expect(() => readAll(env({ [name]: value }))).toThrow(
      name === 'STRONGROOM_TABLES' ? /STRONGROOM_TABLES/ : new RegExp(name),
    );
  });

  it('needs the sealing key id with KMS, when it is read', () => {
    expect(readAll(env({ STRONGROOM_KEY_BACKEND: 'kms' })).keys).toEqual({ kind: 'kms' });
    expect(() => new ConfigReader(env({ STRONGROOM_KEY_BACKEND: 'kms' })).sealerKeyId()).toThrow(
      /STRONGROOM_SEALER_KEY_ID/,
    );
  });

  it('takes the page-token key from a secret when no key is given (the cloud)', () => {
    const reader = new ConfigReader(env({ STRONGROOM_PAGE_TOKEN_KEY: undefined }));
    expect(reader.localPageTokenKey()).toBeUndefined();
    expect(() => reader.pageTokenSecretArn()).toThrow('configuration: STRONGROOM_PAGE_TOKEN_SECRET_ARN is not set');
  });

  it('reads only the tables asked for: a function is told only its own', () => {
    const reader = new ConfigReader(env({ STRONGROOM_TABLES: JSON.stringify({ audit: 'a' }) }));
    expect(reader.tables(['audit'])).toEqual({ audit: 'a' });
    expect(() => reader.tables(['audit', 'events'])).toThrow('configuration: STRONGROOM_TABLES.events is not set');
  });

  it('reads the governance time-lock: 24 h by default, 0 only outside Lambda, never malformed', () => {
    const timeLock = (extra: NodeJS.ProcessEnv) => new ConfigReader(env(extra)).governanceTimeLockSeconds();
    expect(timeLock({})).toBe(86_400);
    expect(timeLock({ STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: '3600' })).toBe(3_600);
    expect(timeLock({ STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: '0' })).toBe(0);
    expect(() =>
      timeLock({ STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: '0', AWS_LAMBDA_FUNCTION_NAME: 'strongroom-wallets' }),
    ).toThrow('STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS may be 0 only in the local runtime');
    for (const bad of ['-1', '1.5', 'a day', '2592001'])
      expect(() => timeLock({ STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: bad })).toThrow(
        'STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS must be a whole number of seconds from 0 to 2592000',
      );
  });
});
