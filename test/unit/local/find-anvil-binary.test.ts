import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANVIL_BIN_ENV, findAnvilBinary } from '../../../local/anvil-binary';

describe('findAnvilBinary', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'find-anvil-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`uses ${ANVIL_BIN_ENV} before the npm package and PATH`, () => {
    const custom = join(dir, 'my-anvil');
    writeFileSync(custom, '#!/bin/sh\n');
    chmodSync(custom, 0o755);
    expect(findAnvilBinary({ [ANVIL_BIN_ENV]: custom, PATH: '' })).toBe(custom);
  });

  it(`refuses a ${ANVIL_BIN_ENV} that does not exist instead of falling back`, () => {
    expect(() => findAnvilBinary({ [ANVIL_BIN_ENV]: join(dir, 'missing'), PATH: '' })).toThrow(
      /STRONGROOM_ANVIL_BIN=.*missing: no such file/,
    );
  });

  it(`refuses a ${ANVIL_BIN_ENV} that is not executable`, () => {
    const custom = join(dir, 'not-executable');
    writeFileSync(custom, '#!/bin/sh\n');
    chmodSync(custom, 0o644);
    expect(() => findAnvilBinary({ [ANVIL_BIN_ENV]: custom, PATH: '' })).toThrow(/not executable/);
  });
});
