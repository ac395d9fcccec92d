import type { CreatedMpcKey } from '../../../enclave-host/contract';
import { DependencyUnavailableError } from '../../domain/errors';
import type { AgentKeys, CreatedAgentKey } from '../../ports/agent-keys';

/**
 * The enclave as a Lambda function of a deployment without an enclave host sees it: out of reach
 * (synthesized without enclave context, so no provisioning state machine is configured). An `enclave`
 * or `mpc` wallet is refused with ENCLAVE.UNAVAILABLE (503) and nothing is registered. A deployment with an
 * enclave host reaches it through the signing queue (./queued-agent-keys.ts); the local runtime
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

  async createMpcKey(walletId: string): Promise<CreatedMpcKey> {
    throw new DependencyUnavailableError(
      'ENCLAVE.UNAVAILABLE',
      `wallet ${walletId}: this function cannot reach the enclave, so it registers no mpc wallet`,
      { details: { walletId } },
    );
  }

  async verifyAttestation(): Promise<void> {
    throw new DependencyUnavailableError('ENCLAVE.UNAVAILABLE', 'this function has no attestation verifier');
  }
}
