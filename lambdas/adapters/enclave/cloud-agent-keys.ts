import type { SFNClient } from '@aws-sdk/client-sfn';
import { NitroAttestationVerifier } from '../../../enclave-host/attestation/nitro-attestation-verifier';
import type { AgentKeys } from '../../ports/agent-keys';
import { QueuedAgentKeys } from './queued-agent-keys';
import { UnreachableAgentKeys } from './unreachable-agent-keys';

/** How an enclave or mpc wallet's key reaches a function: the provisioning state machine, and what its attestation must show. */
export interface AgentKeyProvisioning {
  readonly stateMachineArn: string;
  /** PCR index → 96 lowercase hex characters: the deployment's image, as the enclave context gave it at synth. */
  readonly pcrs: Readonly<Record<number, string>>;
  /**
   * `aws-nitro` in every deployment. `test` (a PEM root) only where the deployment rehearsal put it, on
   * this machine: see ConfigReader.agentKeyProvisioning (lambdas/composition/runtime-config.ts).
   */
  readonly attestationRoot: { readonly kind: 'aws-nitro' } | { readonly kind: 'test'; readonly pem: string };
}

/**
 * The `agentKeys` port of a Lambda function: the provisioning state machine when the deployment has an
 * enclave host (its ARN and PCRs configured), otherwise out of reach (503 ENCLAVE.UNAVAILABLE). The
 * verifier is in production mode, pinning the AWS Nitro root, unless the rehearsal gave it its test root.
 */
export function cloudAgentKeys(provisioning: AgentKeyProvisioning | undefined, sfn: () => SFNClient): AgentKeys {
  if (provisioning === undefined) return new UnreachableAgentKeys();
  const { attestationRoot } = provisioning;
  const verifier =
    attestationRoot.kind === 'aws-nitro'
      ? new NitroAttestationVerifier({ mode: 'production' })
      : new NitroAttestationVerifier({ mode: 'local', root: attestationRoot.pem });
  return new QueuedAgentKeys(sfn(), {
    stateMachineArn: provisioning.stateMachineArn,
    verifier,
    pcrs: provisioning.pcrs,
  });
}
