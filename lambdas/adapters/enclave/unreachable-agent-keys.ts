import { DependencyUnavailableError } from '../../domain/errors';
import type { AgentKeys, CreatedAgentKey } from '../../ports/agent-keys';

/**
 * The enclave as a Lambda function sees it today: out of reach. The enclave host sits in its own
 * isolated VPC and takes work only from the signing queue; registering an enclave wallet in the cloud
 * needs a provisioning path through that queue, which is not built yet. Until then an `enclave`
 * wallet is refused with ENCLAVE.UNAVAILABLE (503) and nothing is registered; the local runtime
 * supplies an adapter that reaches its enclave process.
 */
export class UnreachableAgentKeys implements AgentKeys {
  async createAgentKey(walletId: string): Promise<CreatedAgentKey> {
    throw new DependencyUnavailableError(
      'ENCLAVE.UNAVAILABLE',
      `wallet ${walletId}: this function cannot reach the enclave, so it registers no enclave wallet`,
      { details: { walletId } },
    );
  }

  async verifyAttestation(): Promise<void> {
    throw new DependencyUnavailableError('ENCLAVE.UNAVAILABLE', 'this function has no attestation verifier');
  }
}
