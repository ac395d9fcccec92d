import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const DOMAIN = resolve(__dirname, '../../../lambdas/domain');
// Packages the domain may import: pure computation, no I/O. viem for its utilities (its transports
// are refused below); OpenZeppelin's standard Merkle tree for audit checkpoints (hashing only), so a
// client and the chain's MerkleProof verify our proofs with code that is not ours.
const PURE_PACKAGES = ['viem', '@openzeppelin/merkle-tree'];
const TRANSPORTS = [
  'createPublicClient',
  'createWalletClient',
  'createTestClient',
  'createClient',
  'http',
  'webSocket',
  'fallback',
  'custom',
  'ipc',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, with the names it takes. */
function imports(source: string): { specifier: string; names: string[] }[] {
  const found: { specifier: string; names: string[] }[] = [];
  const pattern =
    /(?:import|export)\s+(?:type\s+)?(?:([\s\S]*?)\s+from\s+)?['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) {
    const names = (match[1] ?? '')
      .replace(/[{}]/g, '')
      .split(',')
      .map(
        (n) =>
          n
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!,
      )
      .filter(Boolean);
    found.push({ specifier: match[2] ?? match[3]!, names });
  }
  return found;
}

describe('the domain is pure', () => {
  const files = sources(DOMAIN);

  it('its import scanner sees what a forbidden import would look like', () => {
    const sample =
      "import { http, type Hex } from 'viem';\nimport * as fs from 'node:fs';\nexport { x } from './x';\nconst k = require('@aws-sdk/client-kms');";
    expect(imports(sample)).toEqual([
      { specifier: 'viem', names: ['http', 'Hex'] },
      { specifier: 'node:fs', names: ['*'] },
      { specifier: './x', names: ['x'] },
      { specifier: '@aws-sdk/client-kms', names: [] },
    ]);
  });

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(DOMAIN, f), f]))(
    '%s imports only the domain and pure packages (viem’s utilities, the standard Merkle tree)',
    (_name, file) => {
      const source = readFileSync(file, 'utf8');
      for (const { specifier, names } of imports(source)) {
        if (specifier.startsWith('.')) {
          expect(resolve(file, '..', specifier).startsWith(DOMAIN)).toBe(true);
          continue;
        }
        expect(PURE_PACKAGES).toContain(specifier);
        for (const name of names) expect(TRANSPORTS).not.toContain(name);
      }
      expect(source).not.toMatch(/\bprocess\s*\.|\bprocess\s*\[/);
      expect(source).not.toMatch(/\bDate\.now\s*\(/);
      expect(source).not.toMatch(/\brequire\s*\(/);
    },
  );
});
