import type { Node } from 'constructs';

/** The CDK context keys of the enclave host (`cdk synth -c strongroom:enclavePcr0=…`, or cdk.json). */
export const ENCLAVE_CONTEXT = {
  /** `true` asks for the enclave host stack; its PCRs must then be given, or the synth fails. */
  enabled: 'strongroom:enclave',
  pcr0: 'strongroom:enclavePcr0',
  pcr1: 'strongroom:enclavePcr1',
  pcr2: 'strongroom:enclavePcr2',
  /** Optional: the hash of the certificate the image was signed with. */
  pcr8: 'strongroom:enclavePcr8',
  /** Optional: a Nitro-Enclave-capable instance type with at least 4 vCPUs (the enclave takes 2). */
  instanceType: 'strongroom:enclaveInstanceType',
  /** Optional: the SSM parameter that holds the enclave host's AMI id (see ./enclave-hosts.ts). */
  amiParameter: 'strongroom:enclaveAmiParameter',
} as const;

export const DEFAULT_ENCLAVE_INSTANCE_TYPE = 'm6i.xlarge';
export const DEFAULT_ENCLAVE_AMI_PARAMETER = '/strongroom/enclave-host/ami-id';

/** The PCRs the sealing key's policy requires: index → 96 lowercase hex characters (48 bytes, SHA-384). */
export type EnclavePcrs = Readonly<{ 0: string; 1: string; 2: string; 8?: string }>;

export interface EnclaveHostSettings {
  readonly pcrs: EnclavePcrs;
  readonly instanceType: string;
  readonly amiParameter: string;
}

/** A context value that cannot make an enclave host: the message names the context key. */
export class EnclaveContextError extends Error {
  override readonly name = 'EnclaveContextError';
}

/**
 * The enclave host's settings from context, or `undefined` when the app is to have no enclave host:
 * neither `strongroom:enclave=true` nor any PCR given. Once either is given, PCR0, PCR1 and PCR2 must
 * each be 96 hex characters and not all zero (an all-zero PCR is a debug-mode enclave, whose memory
 * the parent can read); PCR8, when given, likewise. Anything else throws, naming the key, so that a
 * deployment never gets a sealing key whose policy no production enclave satisfies, or one a debug
 * enclave does.
 */
export function readEnclaveContext(node: Node): EnclaveHostSettings | undefined {
  const value = (key: string): unknown => node.tryGetContext(key);
  const enabled = value(ENCLAVE_CONTEXT.enabled);
  const pcrKeys = [ENCLAVE_CONTEXT.pcr0, ENCLAVE_CONTEXT.pcr1, ENCLAVE_CONTEXT.pcr2, ENCLAVE_CONTEXT.pcr8];
  const wanted = enabled === true || enabled === 'true' || pcrKeys.some((key) => value(key) !== undefined);
  if (!wanted) return undefined;
  const pcrs: { 0: string; 1: string; 2: string; 8?: string } = {
    0: pcr(ENCLAVE_CONTEXT.pcr0, value(ENCLAVE_CONTEXT.pcr0)),
    1: pcr(ENCLAVE_CONTEXT.pcr1, value(ENCLAVE_CONTEXT.pcr1)),
    2: pcr(ENCLAVE_CONTEXT.pcr2, value(ENCLAVE_CONTEXT.pcr2)),
  };
  if (value(ENCLAVE_CONTEXT.pcr8) !== undefined) pcrs[8] = pcr(ENCLAVE_CONTEXT.pcr8, value(ENCLAVE_CONTEXT.pcr8));
  return {
    pcrs,
    instanceType: text(
      ENCLAVE_CONTEXT.instanceType,
      value(ENCLAVE_CONTEXT.instanceType),
      DEFAULT_ENCLAVE_INSTANCE_TYPE,
    ),
    amiParameter: text(
      ENCLAVE_CONTEXT.amiParameter,
      value(ENCLAVE_CONTEXT.amiParameter),
      DEFAULT_ENCLAVE_AMI_PARAMETER,
    ),
  };
}

function pcr(key: string, raw: unknown): string {
  if (raw === undefined || raw === null || raw === '')
    throw new EnclaveContextError(
      `${key} is missing: the enclave host needs the PCRs nitro-cli build-enclave printed for its image`,
    );
  if (typeof raw !== 'string' || !/^[0-9a-fA-F]{96}$/.test(raw))
    throw new EnclaveContextError(`${key} must be 96 hex characters (a SHA-384 measurement, without 0x)`);
  if (/^0+$/.test(raw))
    throw new EnclaveContextError(
      `${key} is all zeros: that is a debug-mode enclave, which a sealing key never trusts`,
    );
  // KMS compares them ignoring case; lowercase is how the attestation document and the contract spell them.
  return raw.toLowerCase();
}

function text(key: string, raw: unknown, fallback: string): string {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || raw.trim() === '') throw new EnclaveContextError(`${key} must be a non-empty string`);
  return raw;
}
