import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ALL_FUNCTIONS } from '../../lambdas/composition/functions';
import { FUNCTION_NAME_TAG } from '../../lib/functions/strongroom-function';
import { synthStrongroom } from './support/synth-strongroom';

/**
 * The synth `cdk synth` does, bundling included: esbuild runs locally (never Docker), and every function's
 * asset in cdk.out holds its bundle. Slow (one esbuild per function), so one synth for the file.
 */
describe('bundled assets', () => {
  let outdir = '';
  let template: Template;

  beforeAll(() => {
    const built = synthStrongroom({ bundling: true });
    outdir = built.outdir;
    built.app.synth();
    template = Template.fromStack(built.stateless);
  }, 600_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  /** Each function's asset directory in cdk.out: its code's S3 key is the asset's hash. */
  const assetDirectories = (): Map<string, string> => {
    const assets = JSON.parse(readFileSync(join(outdir, 'StrongroomStateless.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const byFunction = new Map<string, string>();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const name = (fn.Properties.Tags as { Key: string; Value: string }[]).find(
        (t) => t.Key === FUNCTION_NAME_TAG,
      )!.Value;
      const hash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
      const asset = assets.files[hash];
      expect(asset?.source.packaging).toBe('zip');
      byFunction.set(name, join(outdir, asset!.source.path));
    }
    return byFunction;
  };

  it('bundles every function into its own asset: an index.js (and its source map) per function', () => {
    const directories = assetDirectories();
    expect([...directories.keys()].sort()).toEqual(ALL_FUNCTIONS.map((m) => m.name).sort());
    for (const directory of directories.values()) {
      expect(existsSync(join(directory, 'index.js'))).toBe(true);
      expect(existsSync(join(directory, 'index.js.map'))).toBe(true);
    }
  });

  it('gives each bundle the AWS SDK inside it, so it loads alone and exports its handler', () => {
    for (const [name, directory] of assetDirectories()) {
      // A fresh Node process in the asset directory: nothing but the bundle to resolve from.
      const kind = execFileSync(
        process.execPath,
        ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(directory, 'index.js'))}).handler)`],
        { cwd: directory, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
      );
      expect(`${name}: ${kind}`).toBe(`${name}: function`);
    }
  }, 300_000);
});
