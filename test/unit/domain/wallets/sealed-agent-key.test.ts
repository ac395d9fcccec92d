import type { SealedKey } from '../../../../enclave-host/contract';
import {
  agentKeyId,
  keyShareId,
  type SealedAgentKey,
  type SealedKeyShare,
  type WalletSealedKey,
} from '../../../../lambdas/domain/wallets/sealed-agent-key';

// The domain restates the contract's SealedKey (it imports nothing outside itself): each of its
// records must stay a SealedKey, and a SealedKey of the right purpose one of them.
type Assignable<A, B> = [A] extends [B] ? true : false;
const checks: [
  Assignable<SealedAgentKey, SealedKey>,
  Assignable<SealedKeyShare, SealedKey>,
  Assignable<SealedKey & { context: { purpose: 'agent-key' } }, SealedAgentKey>,
  Assignable<SealedKey & { context: { purpose: 'key-share' } }, SealedKeyShare>,
  Assignable<WalletSealedKey, SealedKey>,
  // A share is never an agent key, nor an agent key a share.
  Assignable<SealedKeyShare, SealedAgentKey> extends false ? true : false,
  Assignable<SealedAgentKey, SealedKeyShare> extends false ? true : false,
] = [true, true, true, true, true, true, true];

const record = <P extends 'agent-key' | 'key-share'>(purpose: P) => ({
  format: 'strongroom.sealed.v1' as const,
  context: { deployment: 'd', walletId: 'w-7', purpose, version: '3' },
  address: `0x${'12'.repeat(20)}` as const,
  encryptedDataKey: 'AQID',
  iv: 'AAAAAAAAAAAAAAAA',
  ciphertext: 'BAUG',
});

describe('sealed keys of wallets', () => {
  it('stay assignable to the enclave contract', () => {
    expect(checks.every(Boolean)).toBe(true);
  });

  it('name an agent key by wallet and version, a key share by wallet and epoch', () => {
    expect(agentKeyId(record('agent-key'))).toBe('enclave:w-7:v3');
    expect(keyShareId(record('key-share'))).toBe('mpc:w-7:e3');
  });
});
