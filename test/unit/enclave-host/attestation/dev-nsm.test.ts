import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevNsm, NsmError } from '../../../../enclave-host/attestation';

// DevNsm cannot reach a real /dev/nsm here: these tests check only how it drives its helper, with a
// fake helper (a shell script) that records its arguments and stdin and answers as told.
describe('DevNsm, with a fake nsm-attest helper', () => {
  let dir: string;
  const helper = (script: string): string => {
    const path = join(dir, `helper-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-nsm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends the request as JSON with base64 fields on stdin and returns stdout as the document', async () => {
    const path = helper(`echo "$@" > "${dir}/args"; cat > "${dir}/stdin"; printf 'DOCUMENT'`);
    const document = await new DevNsm({ helperPath: path }).attest({
      userData: new Uint8Array([1, 2, 3]),
      nonce: new Uint8Array([9]),
    });
    expect(Buffer.from(document).toString()).toBe('DOCUMENT');
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('attest');
    expect(JSON.parse(readFileSync(join(dir, 'stdin'), 'utf8'))).toEqual({ userData: 'AQID', nonce: 'CQ==' });
  });

  it('asks for random bytes by count and checks the count it gets', async () => {
    const path = helper(`[ "$1" = random ] && head -c "$2" /dev/zero`);
    expect(await new DevNsm({ helperPath: path }).random(16)).toEqual(new Uint8Array(16));
    const short = helper(`printf 'abc'`);
    await expect(new DevNsm({ helperPath: short }).random(16)).rejects.toThrow(NsmError);
  });

  it("reports the helper's failure (exit status and first stderr line), a missing helper and a timeout", async () => {
    const failing = helper(`echo "nsm: InvalidArgument" >&2; exit 3`);
    await expect(new DevNsm({ helperPath: failing }).attest({})).rejects.toThrow(
      'nsm-attest attest exited with 3: nsm: InvalidArgument',
    );
    await expect(new DevNsm({ helperPath: join(dir, 'absent') }).attest({})).rejects.toThrow(/cannot run/);
    const slow = helper('exec sleep 5');
    await expect(new DevNsm({ helperPath: slow, timeoutMs: 200 }).attest({})).rejects.toThrow(
      'nsm-attest attest took longer than 200 ms',
    );
  });

  it('refuses fields longer than the NSM takes before running anything', async () => {
    await expect(
      new DevNsm({ helperPath: join(dir, 'absent') }).attest({ userData: new Uint8Array(1025) }),
    ).rejects.toThrow(RangeError);
  });
});
