import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bytesToHex, hexToBytes } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { runRecover } from '../../../scripts/strongroom-recover';
import type { ShareContext } from '../../../enclave-host/contract';
import { sealShare } from '../../../enclave-host/shares/hpke-share';
import { splitKey } from '../../../enclave-host/shares/split-key';

const ROOT = join(__dirname, '../../..');
const KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const ADDRESS = privateKeyToAddress(bytesToHex(KEY));
const OTHER_ADDRESS = '0x0000000000000000000000000000000000000001';

/** The tool with its output captured. */
async function recover(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRecover(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readStdin: async () => stdin,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-recover-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What strongroom does at wallet creation: split, and seal share 3 to the customer's recovery.pub. */
async function walletWithRecoveryShare(pubPath: string, context: Partial<ShareContext> = {}) {
  const { address, shares } = await splitKey(KEY);
  const sealed = await sealShare(readFileSync(pubPath, 'utf8').trim(), shares[2], {
    deployment: 'prod',
    walletId: 'w-42',
    address,
    epoch: '1',
    share: '3',
    ...context,
  });
  const sharePath = join(dir, 'share3.json');
  writeFileSync(sharePath, JSON.stringify(sealed));
  return { address, shares, sharePath };
}

describe('strongroom-recover', () => {
  it('keygen → share 3 sealed to recovery.pub → open → combine with share 1 rebuilds the address; --reveal gives the key', async () => {
    const keygen = await recover(['keygen', '--out', join(dir, 'keys')]);
    expect(keygen.code).toBe(0);
    const pubPath = join(dir, 'keys', 'recovery.pub');
    const keyPath = join(dir, 'keys', 'recovery.key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(keygen.stdout).toBe(readFileSync(pubPath, 'utf8').trim());
    expect(keygen.stdout + keygen.stderr).not.toContain(readFileSync(keyPath, 'utf8').trim());

    const { address, shares, sharePath } = await walletWithRecoveryShare(pubPath);
    const opened = await recover(['open', '--key', keyPath, '--share', sharePath]);
    expect(opened).toMatchObject({ code: 0, stdout: bytesToHex(shares[2]).slice(2) });
    expect(opened.stderr).toContain('WARNING');
    expect(opened.stderr).not.toContain(opened.stdout);

    const share1 = bytesToHex(shares[0]).slice(2);
    const combined = await recover(['combine', '--address', address, opened.stdout, share1]);
    expect(combined).toMatchObject({ code: 0, stdout: `address: ${ADDRESS}` });
    expect(combined.stdout + combined.stderr).not.toContain(bytesToHex(KEY).slice(2));

    const revealed = await recover(['combine', '--address', address.toLowerCase(), '--reveal', opened.stdout, share1]);
    expect(revealed.code).toBe(0);
    const printedKey = /^privateKey: (0x[0-9a-f]{64})$/m.exec(revealed.stdout)?.[1];
    expect(printedKey).toBeDefined();
    expect(privateKeyToAddress(printedKey as `0x${string}`)).toBe(ADDRESS);
    expect(revealed.stderr).toContain('WARNING');
  });

  it('combines shares 3 and 2 read from stdin (kept out of argv), in either order', async () => {
    const { shares } = await splitKey(KEY);
    const stdin = `${bytesToHex(shares[1])}\n${bytesToHex(shares[2]).slice(2)}\n`;
    expect(await recover(['combine', '--address', ADDRESS], stdin)).toMatchObject({
      code: 0,
      stdout: `address: ${ADDRESS}`,
    });
  });

  it('refuses (exit 1) shares that do not rebuild the given address, printing no key', async () => {
    const { shares } = await splitKey(KEY);
    const [a, b] = [bytesToHex(shares[0]), bytesToHex(shares[1])];
    const result = await recover(['combine', '--address', OTHER_ADDRESS, '--reveal', a, b]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('SHARES.ADDRESS_MISMATCH');
    expect(result.stderr).not.toContain(a.slice(2, 20));
  });

  it.each([
    [['combine', '--address', ADDRESS, 'ab'.repeat(33)], 'exactly two shares, got 1'],
    [['combine', '--address', ADDRESS, 'zz'.repeat(33), 'ab'.repeat(33)], 'share A is not 66 hex characters'],
    [['combine', '--address', ADDRESS, 'ab'.repeat(33), 'ab'.repeat(32)], 'share B is not 66 hex characters'],
    [['combine', '--address', ADDRESS, 'ab'.repeat(33), 'cd'.repeat(32) + 'ab'], 'same x coordinate'],
    [['combine', 'ab'.repeat(33), 'cd'.repeat(33)], 'combine needs --address'],
    [['combine', '--address', '0x12', 'ab'.repeat(33), 'cd'.repeat(33)], '--address is not a 20-byte hex address'],
    [['combine', '--address', ADDRESS, '--bogus'], "Unknown option '--bogus'"],
    [['keygen'], 'keygen needs --out'],
    [['open', '--share', 'x.json'], 'open needs --key'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'usage:'],
  ])('exits 2 with a clear reason for bad input: %j', async (args, reason) => {
    const result = await recover(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(reason);
  });

  it('keygen never overwrites a recovery key', async () => {
    expect((await recover(['keygen', '--out', dir])).code).toBe(0);
    const before = readFileSync(join(dir, 'recovery.key'), 'utf8');
    const again = await recover(['keygen', '--out', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists');
    expect(readFileSync(join(dir, 'recovery.key'), 'utf8')).toBe(before);
  });

  it('open refuses a share that is not share 3, another recovery key, a wrong --address, and a broken key file', async () => {
    await recover(['keygen', '--out', join(dir, 'mine')]);
    await recover(['keygen', '--out', join(dir, 'theirs')]);
    const mine = join(dir, 'mine', 'recovery.key');
    const { sharePath } = await walletWithRecoveryShare(join(dir, 'mine', 'recovery.pub'));

    const wrongKey = await recover(['open', '--key', join(dir, 'theirs', 'recovery.key'), '--share', sharePath]);
    expect(wrongKey).toMatchObject({ code: 1, stdout: '' });
    expect(wrongKey.stderr).toContain('SHARES.OPEN_FAILED');

    const wrongAddress = await recover(['open', '--key', mine, '--share', sharePath, '--address', OTHER_ADDRESS]);
    expect(wrongAddress).toMatchObject({ code: 1, stdout: '' });

    const brokenKey = join(dir, 'broken.key');
    writeFileSync(brokenKey, 'not-a-key\n');
    expect(await recover(['open', '--key', brokenKey, '--share', sharePath])).toMatchObject({ code: 2, stdout: '' });

    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{');
    expect((await recover(['open', '--key', mine, '--share', notJson])).stderr).toContain('is not JSON');

    const { sharePath: share2Path } = await walletWithRecoveryShare(join(dir, 'mine', 'recovery.pub'), { share: '2' });
    const share2 = await recover(['open', '--key', mine, '--share', share2Path]);
    expect(share2).toMatchObject({ code: 2, stdout: '' });
    expect(share2.stderr).toContain('holds share 2, not the recovery share 3');
  });

  it('runs as a command (npm run recover): exit codes, stdout and a 0600 key file', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/strongroom-recover.ts', ...args], {
        cwd: ROOT,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const keygen = await run(['keygen', '--out', dir]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout.trim()).toBe(readFileSync(join(dir, 'recovery.pub'), 'utf8').trim());
    expect(statSync(join(dir, 'recovery.key')).mode & 0o777).toBe(0o600);
    const { shares } = await splitKey(KEY);
    const combined = await run(['combine', '--address', ADDRESS, bytesToHex(shares[0]), bytesToHex(shares[2])]);
    expect(combined).toMatchObject({ code: 0, stdout: `address: ${ADDRESS}\n` });
    const refused = await run(['combine', '--address', OTHER_ADDRESS, bytesToHex(shares[0]), bytesToHex(shares[2])]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
  });
});
