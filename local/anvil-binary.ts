import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** Environment variable naming the anvil binary to use instead of the one found automatically. */
export const ANVIL_BIN_ENV = 'STRONGROOM_ANVIL_BIN';

// Depending on the `@foundry-rs/anvil` wrapper would need every platform package in the registry;
// the Linux x64 one is an optional dependency (other platforms skip it by its os/cpu fields).
const PLATFORM_PACKAGE = '@foundry-rs/anvil-linux-amd64';

const NOT_FOUND = [
  'anvil (Foundry) was not found.',
  `On Linux x64, \`npm ci\` installs it as the optional dependency ${PLATFORM_PACKAGE}.`,
  'Elsewhere, install Foundry so that `anvil` is on PATH (https://getfoundry.sh: curl -L https://foundry.paradigm.xyz | bash && foundryup),',
  `or set ${ANVIL_BIN_ENV} to the path of an anvil binary.`,
].join(' ');

/**
 * The anvil binary to run: `STRONGROOM_ANVIL_BIN` when set (an error if it is not an executable file),
 * else the one from the Linux x64 npm package, else `anvil` on PATH.
 */
export function findAnvilBinary(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[ANVIL_BIN_ENV];
  if (configured !== undefined && configured !== '') {
    const path = resolve(configured);
    if (!isFile(path)) throw new Error(`${ANVIL_BIN_ENV}=${configured}: no such file`);
    if (!isExecutable(path)) throw new Error(`${ANVIL_BIN_ENV}=${configured}: not executable (chmod +x it)`);
    return path;
  }
  return packagedBinary() ?? searchPath('anvil', env.PATH) ?? fail();
}

function fail(): never {
  throw new Error(NOT_FOUND);
}

function packagedBinary(): string | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${PLATFORM_PACKAGE}/package.json`);
  } catch {
    return undefined;
  }
  const binary = join(dirname(manifest), 'bin', 'anvil');
  if (!isFile(binary)) return undefined;
  // The package needs no install script, but a copy made without modes (or a tarball unpacked by
  // another tool) can lose the executable bit.
  if (!isExecutable(binary)) {
    try {
      chmodSync(binary, 0o755);
    } catch (error) {
      throw new Error(
        `${binary} is not executable and could not be made so (${String(error)}); chmod +x it or set ${ANVIL_BIN_ENV}`,
        { cause: error },
      );
    }
  }
  return binary;
}

function searchPath(command: string, pathVariable: string | undefined): string | undefined {
  for (const directory of (pathVariable ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether `path` may be executed by this process (also used to find Chromium for the browser tests). */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
