import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { buildAuditCheckpointTypedData, verifyAuditCheckpoint } from '../../lambdas/domain/proof/audit-checkpoint';
import type { AuditCheckpointPayload, CheckpointSigner } from '../../lambdas/ports/audit-log';

const DOMAIN = { deploymentId: 'strongroom-test' };

/** A test audit key: an in-memory key signing the checkpoint typed data of the domain. */
export function testCheckpointSigner(): CheckpointSigner & { readonly address: Address } {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    typedData: (checkpoint) => buildAuditCheckpointTypedData(DOMAIN, checkpoint),
    sign: (checkpoint: AuditCheckpointPayload): Promise<Hex> =>
      account.signTypedData(buildAuditCheckpointTypedData(DOMAIN, checkpoint)),
    verify: (checkpoint, signature) =>
      verifyAuditCheckpoint({ domain: DOMAIN, checkpoint, signature, expectedSigner: account.address }).then(
        () => true,
        () => false,
      ),
  };
}
