import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileJobResultStore } from '../../../../enclave-host/host/file-job-result-store';
import type { JobResultStore } from '../../../../enclave-host/host/job-result-store';
import { memoryJobResultStore } from '../../../../enclave-host/host/memory-job-result-store';
import { SIGNED } from './host-test-kit';

const OTHER = { serializedTransaction: `0x02f8${'22'.repeat(60)}`, txHash: `0x${'ef'.repeat(32)}` } as const;

describe('job result stores', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'strongroom-results-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const stores: [string, () => JobResultStore][] = [
    ['in memory', () => memoryJobResultStore()],
    ['on disk', () => fileJobResultStore(join(directory, 'results'))],
  ];

  it.each(stores)('%s: keeps the first result of a job and nothing for another', async (_, make) => {
    const store = make();
    await expect(store.get('tx-1:1:p')).resolves.toBeUndefined();
    await store.put('tx-1:1:p', SIGNED);
    await store.put('tx-1:1:p', OTHER);
    await expect(store.get('tx-1:1:p')).resolves.toEqual(SIGNED);
    await expect(store.get('tx-1:2:p')).resolves.toBeUndefined();
  });

  it('on disk: one file per job, named by a hash (a job id never becomes a path), no temporary left', async () => {
    const store = fileJobResultStore(join(directory, 'results'));
    await store.put('../../etc/passwd:1:p', SIGNED);
    const files = await readdir(join(directory, 'results'));
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)]);
    expect(JSON.parse(await readFile(join(directory, 'results', files[0]!), 'utf8'))).toEqual({
      jobId: '../../etc/passwd:1:p',
      result: SIGNED,
      storedAt: expect.any(String),
    });
    await expect(fileJobResultStore(join(directory, 'results')).get('../../etc/passwd:1:p')).resolves.toEqual(SIGNED);
  });

  it('on disk: refuses a damaged result rather than answering a task with it', async () => {
    const store = fileJobResultStore(directory);
    await store.put('tx-1:1:p', SIGNED);
    const [file] = await readdir(directory);
    await writeFile(join(directory, file!), JSON.stringify({ jobId: 'tx-1:1:p', result: { txHash: '0x00' } }));
    await expect(store.get('tx-1:1:p')).rejects.toThrow('a stored job result is malformed');
  });
});
