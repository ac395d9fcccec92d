import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const CO_SIGNER_DOMAIN = resolve(ROOT, 'lambdas/co-signer/domain');
// What the co-signer's rules may use: the shared pure domain, its own rules, the enclave contract's
// types and tags, the config's types, and viem's utilities.
const ALLOWED = [
  resolve(ROOT, 'lambdas/domain'),
  CO_SIGNER_DOMAIN,
  resolve(ROOT, 'lambdas/co-signer/co-signer-config'),
  resolve(ROOT, 'enclave-host/contract'),
];
const TRANSPORTS =
  /\b(createPublicClient|createWalletClient|createTestClient|createClient|http|webSocket|fallback|custom|ipc)\b/;

describe('the co-signer’s rules are pure', () => {
  const files = readdirSync(CO_SIGNER_DOMAIN).filter((name) => name.endsWith('.ts'));

  it('has rules to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s imports only pure modules and reads no clock or environment', (name) => {
    const path = join(CO_SIGNER_DOMAIN, name);
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(/(?:import|export)\s+(?:type\s+)?(?:([\s\S]*?)\s+from\s+)?['"]([^'"]+)['"]/g)) {
      const specifier = match[2]!;
      if (specifier.startsWith('.')) {
        const target = resolve(path, '..', specifier);
        expect(ALLOWED.some((allowed) => target === allowed || target.startsWith(`${allowed}/`))).toBe(true);
      } else {
        expect(specifier).toBe('viem');
        expect(match[1] ?? '').not.toMatch(TRANSPORTS);
      }
    }
    expect(source).not.toMatch(/\bprocess\s*[.[]|\bDate\.now\s*\(|\bnew Date\s*\(\s*\)|\brequire\s*\(/);
  });
});
