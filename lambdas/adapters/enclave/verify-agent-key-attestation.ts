import { hexToBytes, type Hex } from 'viem';
import type { AttestationVerifier, PcrValues } from '../../../enclave-host/contract';
import { StrongroomError } from '../../domain/errors';

/**
 * The check before an enclave or mpc wallet is registered, wherever its key came from (the provisioning
 * state machine in the cloud, the enclave process locally): the document verifies against the
 * deployment's PCRs, is fresh, and its user data is exactly `userData` (agentKeyUserData: deployment,
 * wallet, address; mpcKeyUserData: those, the epoch and the digests of shares 2 and 3). Any failure is
 * ENCLAVE.ATTESTATION_INVALID naming the verifier's code, never the document.
 */
export async function verifyAgentKeyAttestation(
  verifier: AttestationVerifier,
  expect: { readonly pcrs: PcrValues; readonly now: Date; readonly maxAgeSeconds: number },
  document: Uint8Array,
  userData: Hex,
): Promise<void> {
  try {
    await verifier.verify(document, { ...expect, userData: hexToBytes(userData) });
  } catch (cause) {
    throw new StrongroomError(
      'ENCLAVE.ATTESTATION_INVALID',
      `the enclave's attestation did not verify: ${(cause as { code?: string }).code ?? (cause as Error).name}`,
      { cause },
    );
  }
}
