import type { HpkeSealed, ShareContext } from '../../../enclave-host/contract';

/**
 * Encrypts a share to an attested session's X25519 public key (HPKE, enclave-host/contract.ts
 * `HpkeSealed`, the context as aad). The shape of enclave-host/shares/hpke-share.ts `sealShare`, so
 * the composition passes that function as it is; tests pass a fake.
 */
export type ShareSealer = (
  recipientPublicKey: Uint8Array,
  share: Uint8Array,
  context: ShareContext,
) => Promise<HpkeSealed>;
