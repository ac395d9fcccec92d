import { isAddress } from 'viem';
import type { EnclaveImageConfig } from '../contract';

const FIELDS = [
  'deploymentId',
  'approvalKeyAddress',
  'sealingKeyArn',
  'region',
  'kmsEndpoint',
  'mode',
  'coSignerKeyArn',
];
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/**
 * Checks the image configuration, at build time (so a bad value never gets measured into an image)
 * and again when the enclave starts (so a bundle built around this check still cannot start with a
 * bad one). Throws a RangeError naming the field.
 *
 * Production requires an https KMS endpoint: the vsock-proxy forwards bytes, and TLS must end inside
 * the enclave, or the host could answer for KMS. Locally the stand-in speaks plain http on loopback.
 */
export function parseEnclaveImageConfig(input: unknown): EnclaveImageConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RangeError('the enclave image config is an object');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!FIELDS.includes(key)) throw new RangeError(`the enclave image config has no field ${key}`);
  }
  const text = (key: string): string => {
    const value = raw[key];
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
      throw new RangeError(`enclave image config ${key}: a non-empty string is required`);
    }
    return value;
  };
  const mode = raw.mode;
  if (mode !== 'production' && mode !== 'local')
    throw new RangeError("enclave image config mode: 'production' or 'local'");
  const approvalKeyAddress = text('approvalKeyAddress');
  if (!isAddress(approvalKeyAddress, { strict: false }) || /^0x0{40}$/.test(approvalKeyAddress)) {
    throw new RangeError('enclave image config approvalKeyAddress: a non-zero 20-byte address is required');
  }
  const sealingKeyArn = text('sealingKeyArn');
  if (!KMS_KEY_ARN.test(sealingKeyArn)) {
    throw new RangeError(
      'enclave image config sealingKeyArn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) is required',
    );
  }
  // Optional (an image without it makes no mpc keys), but never malformed, nor the sealing key itself:
  // share 2 under the enclave's own key would be a share the co-signer cannot refuse to release.
  const coSignerKeyArn = raw.coSignerKeyArn === undefined ? undefined : text('coSignerKeyArn');
  if (coSignerKeyArn !== undefined && !KMS_KEY_ARN.test(coSignerKeyArn)) {
    throw new RangeError(
      'enclave image config coSignerKeyArn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) is required',
    );
  }
  if (coSignerKeyArn !== undefined && coSignerKeyArn === sealingKeyArn) {
    throw new RangeError('enclave image config coSignerKeyArn: the co-signer key must not be the sealing key');
  }
  const region = text('region');
  if (!REGION.test(region))
    throw new RangeError('enclave image config region: an AWS region such as eu-west-1 is required');
  const kmsEndpoint = text('kmsEndpoint');
  let endpoint: URL;
  try {
    endpoint = new URL(kmsEndpoint);
  } catch {
    throw new RangeError('enclave image config kmsEndpoint: a URL is required');
  }
  if (mode === 'production' ? endpoint.protocol !== 'https:' : !['http:', 'https:'].includes(endpoint.protocol)) {
    throw new RangeError(
      `enclave image config kmsEndpoint: ${mode === 'production' ? 'https' : 'http or https'} is required`,
    );
  }
  return {
    deploymentId: text('deploymentId'),
    approvalKeyAddress: approvalKeyAddress as EnclaveImageConfig['approvalKeyAddress'],
    sealingKeyArn,
    region,
    kmsEndpoint,
    mode,
    ...(coSignerKeyArn === undefined ? {} : { coSignerKeyArn }),
  };
}
