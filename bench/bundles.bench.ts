// Each Lambda handler bundled as the cloud deploys it (esbuild: minified, node22, CommonJS, the AWS SDK v3
// left to the Lambda runtime as NodejsFunction does by default): its size, its three heaviest packages,
// and its module load time in a fresh Node process (the cold start's import part; composition, which
// needs the deployment's configuration, comes on top). Figures, not pass/fail; the aim is ≤ 300 KB each.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';

const ROOT = join(__dirname, '..');
const HANDLERS = join(ROOT, 'lambdas', 'handlers');
// Inside the repository, so that `require('@aws-sdk/…')` resolves from its node_modules as on Lambda.
const OUT = join(ROOT, '.cache', 'bench-bundles');
const LOADS = 5;
/** What an API function reads when its module loads (its auth configuration; the JWKS is fetched later). */
const COLD_START_ENV = {
  NODE_OPTIONS: '',
  STRONGROOM_JWT_ISSUER: 'https://issuer.example',
  STRONGROOM_JWT_AUDIENCE: 'strongroom',
  STRONGROOM_JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
};

/** Every module under lambdas/handlers that exports a Lambda `handler`. */
function handlerModules(): string[] {
  return ['api', 'workflow', 'scheduled'].flatMap((group) =>
    readdirSync(join(HANDLERS, group))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(HANDLERS, group, file))
      .filter((path) => /export (const|async function|function) handler\b/.test(readFileSync(path, 'utf8'))),
  );
}

/** The packages that weigh most in a bundle, from esbuild's metafile. */
function heaviest(metafile: Metafile, count: number): string {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? '(strongroom)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`)
    .join(', ');
}

/** Median time to require the bundle in a fresh process, in ms. */
function loadMs(file: string): number {
  const script = `const t = performance.now(); require(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: LOADS }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { cwd: OUT, env: { ...process.env, ...COLD_START_ENV } })),
  ).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  console.log(
    '\nLambda bundles (esbuild, minified, node22, CommonJS, @aws-sdk/* from the runtime): size and module load in a fresh process',
  );
  const rows: string[] = [];
  for (const entry of handlerModules()) {
    const name = relative(HANDLERS, entry).replace(/\.ts$/, '');
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      external: ['@aws-sdk/*'],
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (output === undefined) throw new Error(`${name}: esbuild wrote nothing`);
    const file = join(OUT, `${name.replace('/', '-')}.js`);
    writeFileSync(file, output.contents);
    const kb = output.contents.byteLength / 1024;
    rows.push(
      `  ${name.padEnd(32)} ${kb.toFixed(0).padStart(5)} KB${kb > 300 ? ' (over 300)' : '           '}  load ${loadMs(
        file,
      )
        .toFixed(0)
        .padStart(4)} ms   heaviest: ${heaviest(result.metafile, 3)}`,
    );
  }
  for (const row of rows) console.log(row);
  rmSync(OUT, { recursive: true, force: true });
}
