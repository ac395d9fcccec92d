import type { Hex } from 'viem';
import { verifyMessage } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { canonicalJson } from '../../lambdas/domain/audit/audit-chain';
import type { AuditCheckpointPayload, CheckpointSigner } from '../../lambdas/ports/audit-log';

/** A test signer: an in-memory key signing the canonical checkpoint as a message. */
export function testCheckpointSigner(): CheckpointSigner & { readonly signed: number } {
  const account = privateKeyToAccount(generatePrivateKey());
  let signed = 0;
  return {
    get signed() {
      return signed;
    },
    async sign(checkpoint: AuditCheckpointPayload): Promise<Hex> {
      signed++;
      return account.signMessage({ message: canonicalJson(checkpoint) });
    },
    verify: (checkpoint, signature) => verifyMessage({ address: account.address, message: canonicalJson(checkpoint), signature }),
  };
}
