/**
 * The enclave program's entry: `node enclave.js --listen <socket> [--synthetic-nsm <file>]`, built
 * by `buildEnclaveBundle` (build.ts) into one file with the image configuration compiled in.
 *
 * The configuration is the constant below, which esbuild's `define` replaces with the configured
 * values at build time, so it is part of the bundle and of the image measurement (PCR0). It is never
 * read from the environment, a file or a request: run unbundled (tsx), this entry refuses to start.
 */
import { parseEnclaveImageConfig } from './enclave-image-config';
import { parseEnclaveArgs, startEnclave } from './start-enclave';

declare const __STRONGROOM_ENCLAVE_IMAGE_CONFIG__: unknown;

function compiledInConfig(): unknown {
  // `typeof` keeps an unbundled run from throwing a ReferenceError before it can say why.
  return typeof __STRONGROOM_ENCLAVE_IMAGE_CONFIG__ === 'undefined' ? undefined : __STRONGROOM_ENCLAVE_IMAGE_CONFIG__;
}

async function main(): Promise<void> {
  const compiled = compiledInConfig();
  if (compiled === undefined) {
    throw new Error('no image configuration is compiled in: run the bundle made by buildEnclaveBundle');
  }
  const config = parseEnclaveImageConfig(compiled);
  const args = parseEnclaveArgs(process.argv.slice(2));
  if (args.printConfig) {
    process.stdout.write(`${JSON.stringify(config)}\n`);
    return;
  }
  const running = await startEnclave(config, args);
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  // Start-up errors are about arguments and configuration, never about keys: their message is safe.
  process.stderr.write(`enclave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
