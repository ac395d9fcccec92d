// Each Lambda function bundled as the CDK stack deploys it (lib/functions/strongroom-function.ts: esbuild,
// minified, node22, CommonJS, the AWS SDK bundled): its size, its three heaviest packages, and its cold
// start in a fresh Node process: module load, then composition (configuration read, ports built, the
// approval key checked with KMS GetPublicKey, the page-token key read from Secrets Manager), against the
// local AWS stand-ins. Figures, not pass/fail; the aim is ≤ 300 KB each.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { kmsClient } from '../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../lambdas/adapters/kms/kms-key-vault';
import { ENV, resourcesOf, type FunctionManifest } from '../lambdas/composition/function-manifest';
import { ALL_FUNCTIONS } from '../lambdas/composition/functions';
import { TABLE_NAMES } from '../lambdas/adapters/dynamodb/table-schema';
import { startAwsStandIns, type AwsStandIns } from '../local/aws/start-aws-stand-ins';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.cache', 'bench-bundles');
const STARTS = 5;

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

/** A value for every variable any function reads, pointing at the stand-ins (nothing else is called at cold start). */
async function coldStartEnvironment(standIns: AwsStandIns): Promise<Record<string, string>> {
  const approval = standIns.kms.createKey({
    keySpec: 'ECC_SECG_P256K1',
    tags: { 'strongroom:purpose': 'approval' },
  } as Parameters<AwsStandIns['kms']['createKey']>[0]);
  const audit = standIns.kms.createKey({
    keySpec: 'ECC_SECG_P256K1',
    tags: { 'strongroom:purpose': 'audit' },
  } as Parameters<AwsStandIns['kms']['createKey']>[0]);
  const sealer = standIns.kms.createKey();
  const kms = kmsClient({
    endpoint: standIns.endpoints.kms,
    region: standIns.region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const secret = standIns.secrets.putSecret('page-tokens', 'x'.repeat(64));
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${standIns.region}:${standIns.account}:${resource}`;
  return {
    ...standIns.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    [ENV.deploymentId]: 'bench',
    [ENV.tables]: JSON.stringify(Object.fromEntries(TABLE_NAMES.map((name) => [name, `bench-${name}`]))),
    [ENV.chains]: JSON.stringify([
      {
        chainId: 31337,
        name: 'anvil',
        rpcUrl: 'http://127.0.0.1:8545',
        confirmations: 1,
        maxFeePerGasCap: '100000000000',
        maxPriorityFeePerGasCap: '2000000000',
        feeCeiling: '200000000000',
        gasLimitMarginPercent: 20,
        gasLimitCeilings: { native: '21000', erc20: '100000', contractCall: '300000' },
        stuckAfterSeconds: 30,
        tokens: [],
        depositStartBlock: '0',
        depositScanBlocks: 100,
      },
    ]),
    [ENV.keyBackend]: 'kms',
    [ENV.sealerKeyId]: sealer.arn,
    [ENV.pageTokenSecretArn]: secret.arn,
    [ENV.approvalKeyId]: approval.arn,
    [ENV.approvalKeyAddress]: await new KmsKeyVault(kms).addressOf(approval.arn),
    [ENV.auditKeyId]: audit.arn,
    [ENV.stateMachineArn]: arn('states', 'stateMachine:bench-transfer'),
    [ENV.approversTopicArn]: arn('sns', 'bench-approvers'),
    [ENV.jwtIssuer]: 'https://issuer.example',
    [ENV.jwtAudience]: 'strongroom',
    [ENV.jwtJwksUrl]: 'https://issuer.example/.well-known/jwks.json',
  };
}

const execFileAsync = promisify(execFile);

/**
 * Median of `STARTS` cold starts in fresh processes: module load, then composition done, in ms. Run
 * asynchronously: the stand-ins that answer the composition's KMS and Secrets Manager calls live in this process.
 */
async function coldStartMs(file: string, manifest: FunctionManifest, environment: Record<string, string>) {
  const script = `
    const t0 = performance.now();
    const module = require(${JSON.stringify(file)});
    const t1 = performance.now();
    const fn = Object.values(module).find((value) => value && typeof value.ready === 'function');
    fn.ready().then(
      () => process.stdout.write(JSON.stringify([t1 - t0, performance.now() - t0])),
      (error) => { process.stderr.write(String(error)); process.exit(1); },
    );`;
  // Exactly the variables the template gives this function, as Lambda would.
  const wanted = new Set<string>(resourcesOf(manifest).environment);
  const env = Object.fromEntries(
    Object.entries(environment).filter(([name]) => !name.startsWith('STRONGROOM_') || wanted.has(name)),
  );
  const runs: [number, number][] = [];
  for (let i = 0; i < STARTS; i++) {
    const { stdout } = await execFileAsync(process.execPath, ['-e', script], {
      cwd: OUT,
      timeout: 30_000,
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: manifest.name, ...env },
    });
    runs.push(JSON.parse(stdout) as [number, number]);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { loadMs: median(runs.map((r) => r[0])), initMs: median(runs.map((r) => r[1])) };
}

export async function run(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const standIns = await startAwsStandIns();
  try {
    const environment = await coldStartEnvironment(standIns);
    console.log(
      '\nLambda bundles as deployed (esbuild, minified, node22, CommonJS, AWS SDK bundled): size, and the cold start in a fresh process (median of 5): module load, then composition done',
    );
    for (const manifest of ALL_FUNCTIONS) {
      const result = await build({
        entryPoints: [join(ROOT, manifest.entry)],
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        metafile: true,
        write: false,
        logLevel: 'silent',
      });
      const [output] = result.outputFiles;
      if (output === undefined) throw new Error(`${manifest.name}: esbuild wrote nothing`);
      const file = join(OUT, `${manifest.name}.js`);
      writeFileSync(file, output.contents);
      const kb = output.contents.byteLength / 1024;
      const { loadMs, initMs } = await coldStartMs(file, manifest, environment);
      console.log(
        `  ${manifest.name.padEnd(24)} ${kb.toFixed(0).padStart(5)} KB${kb > 300 ? ' (over 300)' : '           '}  load ${loadMs
          .toFixed(0)
          .padStart(4)} ms  init ${initMs.toFixed(0).padStart(4)} ms   heaviest: ${heaviest(result.metafile, 3)}`,
      );
    }
  } finally {
    await standIns.stop();
    rmSync(OUT, { recursive: true, force: true });
  }
}
