import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Powertools packages are released together, and each depends on @aws-lambda-powertools/commons at
// its own exact version: two of them at different versions install two copies of commons (more bundle,
// more cold start) and mix releases never tested together. So every Powertools package is pinned to
// one exact version, and adding one at another version (or with ^ or ~) fails here.

const ROOT = join(__dirname, '../..');
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const POWERTOOLS = /(?:^|\/)node_modules\/(@aws-lambda-powertools\/[^/]+)$/;

type Manifest = Partial<Record<(typeof SECTIONS)[number], Record<string, string>>>;
interface Lockfile {
  readonly packages: Record<string, { readonly version?: string; readonly link?: boolean }>;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const lockfile = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

/** Every Powertools package package.json names, in any section, with the range it asks for. */
const declared = SECTIONS.flatMap((section) =>
  Object.entries(manifest[section] ?? {})
    .filter(([name]) => name.startsWith('@aws-lambda-powertools/'))
    .map(([name, range]) => ({ section, name, range })),
);

describe('Powertools versions', () => {
  it('package.json names at least one Powertools package (else this test checks nothing)', () => {
    expect(declared.length).toBeGreaterThan(0);
  });

  it('pins every Powertools package in package.json to one exact version', () => {
    for (const { range } of declared) expect(range).toMatch(/^\d+\.\d+\.\d+$/);
    expect(new Set(declared.map((d) => d.range)).size).toBe(1);
  });

  it('installs every Powertools package, direct or transitive, at that version (package-lock.json)', () => {
    const version = declared[0]!.range;
    const installed = Object.entries(lockfile.packages).flatMap(([path, entry]) => {
      const name = POWERTOOLS.exec(path)?.[1];
      return name === undefined ? [] : [{ path, version: entry.version }];
    });
    expect(installed.map((i) => i.path)).toEqual(expect.arrayContaining(declared.map((d) => `node_modules/${d.name}`)));
    for (const entry of installed) expect(entry).toEqual({ path: entry.path, version });
  });
});
