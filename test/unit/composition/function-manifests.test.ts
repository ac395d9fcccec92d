import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Composer } from '../../../lambdas/composition/compose';
import { ENV, resourcesOf, type FunctionManifest } from '../../../lambdas/composition/function-manifest';
import { ALL_FUNCTIONS, FUNCTIONS } from '../../../lambdas/composition/functions';

const ROOT = join(__dirname, '../../..');

/** Every module under lambdas/handlers that exports a Lambda handler (helpers and route tables do not). */
function handlerModules(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'http') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        const exported = jest.requireActual<Record<string, unknown>>(path);
        if (typeof exported.handler === 'function') found.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'lambdas/handlers'));
  return found.sort();
}

describe('function manifests', () => {
  it('declare exactly one function per handler module in lambdas/handlers, each with its own name', () => {
    expect(ALL_FUNCTIONS.map((m) => m.entry).sort()).toEqual(handlerModules());
    expect(new Set(ALL_FUNCTIONS.map((m) => m.name)).size).toBe(ALL_FUNCTIONS.length);
    for (const m of ALL_FUNCTIONS) expect(m.entry.endsWith(`/${m.name}.ts`)).toBe(true);
  });

  it('are each the manifest their handler module composes', () => {
    for (const m of ALL_FUNCTIONS) {
      const module = jest.requireActual<Record<string, { manifest?: FunctionManifest }>>(join(ROOT, m.entry));
      const defined = Object.values(module).filter((value) => value?.manifest !== undefined);
      expect(defined.map((d) => d.manifest)).toEqual([m]);
    }
  });

  it('are consistent: every port has the grant it needs', () => {
    for (const m of ALL_FUNCTIONS) expect(() => resourcesOf(m)).not.toThrow();
  });

  it('refuse a port without its grant, naming the function', () => {
    const signer: FunctionManifest = { ...FUNCTIONS.signKms, keys: { approval: 'verify' } };
    expect(() => resourcesOf(signer)).toThrow('function sign-kms: the keyVault port needs keys.custody');
    const starter: FunctionManifest = { ...FUNCTIONS.transactions, stateMachine: [] };
    expect(() => resourcesOf(starter)).toThrow('the workflow port and stateMachine go together');
  });

  it('keep the custody keys away from the policy and approval functions, and the approvals table from the signer', () => {
    for (const m of [FUNCTIONS.evaluatePolicy, FUNCTIONS.requestApproval, FUNCTIONS.approvals])
      expect(resourcesOf(m).keys.custody).toBeUndefined();
    expect(resourcesOf(FUNCTIONS.signKms).tables.has('approvals')).toBe(false);
    expect(resourcesOf(FUNCTIONS.signKms).keys).toMatchObject({ custody: 'sign', approval: 'verify' });
    expect(resourcesOf(FUNCTIONS.wallets).keys.custody).toBe('create');
    const signers = ALL_FUNCTIONS.filter((m) => resourcesOf(m).keys.custody === 'sign').map((m) => m.name);
    expect(signers).toEqual(['sign-kms']);
  });

  it('give each function only the variables its ports read', () => {
    expect([...resourcesOf(FUNCTIONS.health).environment].sort()).toEqual(
      [ENV.deploymentId, ENV.tables, ENV.pageTokenSecretArn, ENV.chains].sort(),
    );
    expect(resourcesOf(FUNCTIONS.appendOnlyGuard).environment).toEqual([ENV.deploymentId]);
    expect(resourcesOf(FUNCTIONS.transactions).environment).toEqual(
      expect.arrayContaining([ENV.stateMachineArn, ENV.jwtIssuer, ENV.sealerKeyId]),
    );
  });
});

describe('a cold start', () => {
  it('reads only the variables of its function, and fails naming the first one missing', () => {
    const env = { STRONGROOM_DEPLOYMENT_ID: 'd', STRONGROOM_TABLES: JSON.stringify({ audit: 'a' }) };
    // The audit API function: its table and its key; nothing about chains, wallets or the state machine.
    expect(() => new Composer(env).readConfiguration(FUNCTIONS.audit)).toThrow(
      'configuration: STRONGROOM_AUDIT_KEY_ID is not set',
    );
    expect(() =>
      new Composer({ ...env, STRONGROOM_AUDIT_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/x' }).readConfiguration(
        FUNCTIONS.audit,
      ),
    ).not.toThrow();
    expect(() => new Composer(env).readConfiguration(FUNCTIONS.transactions)).toThrow(
      'configuration: STRONGROOM_TABLES.events is not set',
    );
  });
});
