/**
 * `tsx enclave-host/deploy/build-enclave-bundle.ts <image-config.json> <outfile>`: the single file the
 * enclave image copies, with the production image configuration compiled in (buildEnclaveBundle). Run
 * by build-enclave.sh. The configuration file names the deployment, the approval key's address, the
 * sealing key's ARN, the co-signer key's ARN (`coSignerKeyArn`: the stateful stack's CoSignerKeyArn
 * output; share 2 of every mpc key is encrypted to it, so it is built in, never taken from the host), the
 * region and `kmsEndpoint: "https://kms.<region>.amazonaws.com"`, with `mode: "production"`: the bundle
 * then refuses the synthetic NSM and debug PCRs. An image built without `coSignerKeyArn` makes no mpc
 * keys, so a production build requires it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EnclaveImageConfig } from '../contract';
import { buildEnclaveBundle } from '../enclave/build';

async function main(): Promise<void> {
  const [configPath, outfile] = process.argv.slice(2);
  if (configPath === undefined || outfile === undefined)
    throw new Error('usage: build-enclave-bundle.ts <image-config.json> <outfile>');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as EnclaveImageConfig;
  if (config.mode !== 'production') throw new Error('an enclave image for hardware is built with mode "production"');
  if (config.coSignerKeyArn === undefined)
    throw new Error(
      'coSignerKeyArn is required: the stateful stack’s CoSignerKeyArn output (an image without it makes no mpc keys)',
    );
  const bundle = await buildEnclaveBundle({ outfile: resolve(outfile), config });
  process.stdout.write(`${bundle.outfile} (${bundle.bytes} bytes)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`build-enclave-bundle: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
