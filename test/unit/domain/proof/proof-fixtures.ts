import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Hex } from 'viem';
import type { AuthorizationProof } from '../../../../lambdas/domain/proof/authorization-proof';
import type { ProofDomain } from '../../../../lambdas/domain/proof/proof-domain';

export const DOMAIN: ProofDomain = { deploymentId: 'acct-111122223333/strongroom-prod', chainId: 8453 };

export const VALID_UNTIL = new Date('2030-01-01T00:05:00.000Z');
export const BEFORE_EXPIRY = new Date('2030-01-01T00:00:00.000Z');

export function sampleProof(): AuthorizationProof {
  return {
    transferId: 'tr_01HZX5N6Q8',
    walletId: 'wallet-ops',
    transaction: {
      chainId: DOMAIN.chainId,
      nonce: 7,
      from: '0x1111111111111111111111111111111111111111',
      to: '0x2222222222222222222222222222222222222222',
      value: 1_500_000_000_000_000_000n,
      data: '0xabcdef',
      gasLimit: 21_000n,
      maxFeePerGas: 30_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    },
    policyDecisionId: 'pd-42',
    approvalIds: ['ap-1', 'ap-2'],
    approvalDigests: [`0x${'ab'.repeat(32)}`, `0x${'cd'.repeat(32)}`],
    validUntil: VALID_UNTIL,
  };
}

export const newAccount = () => privateKeyToAccount(generatePrivateKey());

// secp256k1 group order: (r, n - s) with the other parity is the same key's malleable twin.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The high-s twin of a low-s 65-byte signature: mathematically valid, refused by policy (EIP-2). */
export function highSTwin(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  return `0x${r}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
}

// What a compromised caller would most like an approval key to sign: an EIP-2612 permit.
export const PERMIT = {
  domain: {
    name: 'USD Coin',
    version: '2',
    chainId: 8453,
    verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  },
  types: {
    Permit: [
      { name: 'owner', type: 'address' },
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
  },
  primaryType: 'Permit',
  message: {
    owner: '0x1111111111111111111111111111111111111111',
    spender: '0x2222222222222222222222222222222222222222',
    value: 10n ** 30n,
    nonce: 0n,
    deadline: 2n ** 255n,
  },
};

/** A checkpoint as the audit key signs it. */
export const SAMPLE_CHECKPOINT = {
  number: 1n,
  previousDigest: `0x${'00'.repeat(32)}` as const,
  headsRoot: `0x${'11'.repeat(32)}` as const,
  headCount: 10n,
  changedBeforeMs: 1_893_455_999_123n,
  at: new Date('2030-01-01T00:00:00.000Z'),
};
