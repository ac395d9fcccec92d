import { build } from 'esbuild';
import { join } from 'node:path';
import type { EnclaveImageConfig } from '../contract';
import { parseEnclaveImageConfig } from './enclave-image-config';

export interface EnclaveBundle {
  readonly outfile: string;
  readonly bytes: number;
}

/**
 * Builds the enclave program into ONE file, with `config` compiled in (esbuild `define` of the
 * constant main.ts reads): the image (enclave-host/deploy's Dockerfile) copies this file, so the
 * approval key, deployment, sealing key and KMS endpoint are covered by PCR0 and cannot be changed
 * without changing the measurement the sealing key's policy requires.
 *
 * The config is checked first, so a malformed one never gets measured. The output is a function of
 * the sources and the config alone (esbuild is deterministic; no timestamps, no source maps), which
 * is what lets anyone rebuild the image and compare PCRs.
 */
export async function buildEnclaveBundle(options: {
  readonly outfile: string;
  readonly config: EnclaveImageConfig;
}): Promise<EnclaveBundle> {
  const config = parseEnclaveImageConfig(options.config);
  const result = await build({
    entryPoints: [join(__dirname, 'main.ts')],
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    define: { __STRONGROOM_ENCLAVE_IMAGE_CONFIG__: JSON.stringify(config) },
  });
  const outputs = Object.entries(result.metafile.outputs);
  if (outputs.length !== 1) throw new Error(`the enclave bundle is one file, esbuild wrote ${outputs.length}`);
  return { outfile: options.outfile, bytes: outputs[0]?.[1].bytes ?? 0 };
}
