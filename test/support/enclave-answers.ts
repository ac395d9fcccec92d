import type { Hex } from 'viem';
import type { CreatedMpcKey } from '../../enclave-host/contract';
import { agentKeyUserData } from '../../enclave-host/enclave/agent-key-user-data';
import { mpcKeyUserData } from '../../enclave-host/enclave/mpc-key-user-data';
import type { CreatedAgentKey } from '../../lambdas/ports/agent-keys';

/**
 * Makes the attestation document that vouches for `userData`: a synthetic NSM's (COSE, verifiable by the
 * real verifier) or a fake's, which only the fake verifier reads.
 */
export type AttestationMaker = (userData: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** Whose key an answer is: the deployment and wallet it is bound to, and the key's address. */
export interface AnswerFor {
  readonly deployment: string;
  readonly walletId: string;
  readonly address: Hex;
}

/**
 * What the enclave answers to a key job for `walletId`: a key, sealed (shape only: no real ciphertext),
 * with `attest`'s document over agentKeyUserData(deployment, walletId, address), as the enclave makes it.
 */
export async function agentKeyAnswer(
  { deployment, walletId, address }: AnswerFor,
  attest: AttestationMaker,
): Promise<CreatedAgentKey> {
  return {
    address,
    sealedKey: {
      format: 'strongroom.sealed.v1',
      context: { deployment, walletId, purpose: 'agent-key', version: '1' },
      address,
      encryptedDataKey: 'AQID',
      iv: 'AAAAAAAAAAAAAAAA',
      ciphertext: 'BAUG',
    },
    attestation: base64(await attest(agentKeyUserData(deployment, walletId, address))),
  };
}

/**
 * What the enclave answers to an mpc key job: a key's three shares for epoch 1 (share 1 sealed, shape
 * only; shares 2 and 3 with the given ciphertexts, each bound to its own context), with `attest`'s
 * document over the user data of both ciphertexts, as the enclave makes it.
 */
export async function mpcKeyAnswer(
  {
    deployment,
    walletId,
    address,
    coSignerCiphertext,
    recoveryCiphertext,
  }: AnswerFor & { readonly coSignerCiphertext: Uint8Array; readonly recoveryCiphertext: Uint8Array },
  attest: AttestationMaker,
): Promise<CreatedMpcKey> {
  const epoch = '1';
  const context = (share: '2' | '3') => ({ deployment, walletId, address, epoch, share }) as const;
  const userData = mpcKeyUserData({ deployment, walletId, address, epoch, coSignerCiphertext, recoveryCiphertext });
  return {
    address,
    epoch,
    sealedShare: {
      format: 'strongroom.sealed.v1',
      context: { deployment, walletId, purpose: 'key-share', version: epoch },
      address,
      encryptedDataKey: 'AQID',
      iv: 'AAAAAAAAAAAAAAAA',
      ciphertext: 'BAUG',
    },
    coSignerShare: {
      format: 'strongroom.cosigner-share.v1',
      context: context('2'),
      ciphertextBlob: base64(coSignerCiphertext),
    },
    recoveryShare: {
      format: 'strongroom.hpke.v1',
      context: context('3'),
      enc: Buffer.alloc(32, 4).toString('base64url'),
      ciphertext: Buffer.from(recoveryCiphertext).toString('base64url'),
    },
    attestation: base64(await attest(userData)),
  };
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
