import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EnclaveImageConfig } from '../../../../enclave-host/contract';
import { buildEnclaveBundle } from '../../../../enclave-host/enclave/build';
import { SocketEnclaveClient } from '../../../../enclave-host/protocol/socket-enclave-client';
import { poll } from '../../../support/poll';

const run = promisify(execFile);

const config: EnclaveImageConfig = {
  deploymentId: 'bundle-test-deployment',
  approvalKeyAddress: '0x5AEDA56215b167893e80B4fE645BA6d5Bab767DE',
  sealingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  region: 'eu-west-1',
  kmsEndpoint: 'http://127.0.0.1:4599',
  mode: 'local',
  coSignerKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/66666666-7777-8888-9999-000000000000',
};
/** What an attacker on the host would try: the names a config might be read from. */
const hostileEnv = {
  ...process.env,
  APPROVAL_KEY_ADDRESS: '0x000000000000000000000000000000000000dEaD',
  STRONGROOM_APPROVAL_KEY_ADDRESS: '0x000000000000000000000000000000000000dEaD',
  ENCLAVE_CONFIG: JSON.stringify({ ...config, approvalKeyAddress: '0x000000000000000000000000000000000000dEaD' }),
  DEPLOYMENT_ID: 'another',
};

let dir: string;
let outfile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'enclave-bundle-'));
  outfile = join(dir, 'out', 'enclave.js');
  await buildEnclaveBundle({ outfile, config });
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('buildEnclaveBundle', () => {
  it('writes one file holding the compiled-in approval address', () => {
    expect(readdirSync(join(dir, 'out'))).toEqual(['enclave.js']);
    const bundle = readFileSync(outfile, 'utf8');
    expect(bundle).toContain(config.approvalKeyAddress);
    expect(bundle).toContain(config.sealingKeyArn);
    expect(bundle).toContain(config.coSignerKeyArn);
  });

  it('runs with the compiled-in configuration, whatever the environment says', async () => {
    const { stdout } = await run(process.execPath, [outfile, '--print-config'], { env: hostileEnv });
    expect(JSON.parse(stdout)).toEqual(config);
  });

  it('serves health over its socket in local mode, with the synthetic module writing its test root', async () => {
    const socket = join(dir, 'enclave.sock');
    const nsmFile = join(dir, 'nsm.json');
    const root = join(dir, 'root.pem');
    writeFileSync(nsmFile, JSON.stringify({ rootCertificatePath: root }));
    const child = spawn(process.execPath, [outfile, '--listen', socket, '--synthetic-nsm', nsmFile], {
      env: hostileEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    const client = new SocketEnclaveClient({ path: socket }, { timeoutMs: 2_000 });
    try {
      const health = await poll(() => client.call({ op: 'health' }).catch(() => undefined), 'the enclave', 20_000);
      expect(health).toEqual({ op: 'health', protocol: 1, mode: 'local' });
      expect(readFileSync(root, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    } finally {
      await client.close();
      child.kill('SIGTERM');
    }
  });

  it('a production image refuses the synthetic module', async () => {
    const production = join(dir, 'production.js');
    await buildEnclaveBundle({
      outfile: production,
      config: { ...config, mode: 'production', kmsEndpoint: 'https://127.0.0.1:8443' },
    });
    const failure = await run(process.execPath, [production, '--listen', join(dir, 'p.sock'), '--synthetic-nsm', 'x'], {
      env: hostileEnv,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('refuses a synthetic NSM');
  });

  it('refuses to build a configuration that should never be measured', async () => {
    await expect(
      buildEnclaveBundle({
        outfile: join(dir, 'bad.js'),
        config: { ...config, approvalKeyAddress: `0x${'0'.repeat(40)}` },
      }),
    ).rejects.toThrow(/approvalKeyAddress/);
    await expect(
      buildEnclaveBundle({ outfile: join(dir, 'bad.js'), config: { ...config, mode: 'production' } }),
    ).rejects.toThrow(/kmsEndpoint: https/);
    for (const coSignerKeyArn of ['alias/co-signer', config.sealingKeyArn]) {
      await expect(
        buildEnclaveBundle({ outfile: join(dir, 'bad.js'), config: { ...config, coSignerKeyArn } }),
      ).rejects.toThrow(/coSignerKeyArn/);
    }
  });

  it('the enclave sources never read the environment', () => {
    const sources = join(__dirname, '../../../../enclave-host/enclave');
    for (const file of readdirSync(sources).filter((name) => name.endsWith('.ts'))) {
      expect({ file, env: /process\.env/.test(readFileSync(join(sources, file), 'utf8')) }).toEqual({
        file,
        env: false,
      });
    }
  });
});
