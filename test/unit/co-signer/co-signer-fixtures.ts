import { randomBytes } from 'node:crypto';
import type { Hex } from 'viem';
import type { CoSignerReleaseRequest, CoSignerShare, HpkeSealed, ShareContext } from '../../../enclave-host/contract';
import { NitroAttestationVerifier } from '../../../enclave-host/attestation/nitro-attestation-verifier';
import { SyntheticNsm } from '../../../enclave-host/attestation/synthetic-nsm';
import type { CoSignerConfig } from '../../../lambdas/co-signer/co-signer-config';
import { mpcSessionUserData } from '../../../enclave-host/enclave/mpc-session-user-data';
import { MemoryCoSignerShareStore } from '../../../lambdas/co-signer/memory/memory-co-signer-share-store';
import { MemoryReleaseLog } from '../../../lambdas/co-signer/memory/memory-release-log';
import type { ShareDecrypter } from '../../../lambdas/co-signer/ports/share-decrypter';
import type { ReleaseShareDeps } from '../../../lambdas/co-signer/release-share';
import {
  buildAuthorizationTypedData,
  hashAuthorization,
  type AuthorizationProof,
} from '../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../lambdas/domain/proof/proof-json';
import { newAccount, sampleProof } from '../domain/proof/proof-fixtures';

export const DEPLOYMENT = 'acct-111122223333/strongroom-prod';
export const CHAIN_ID = 8453;
export const WALLET = 'wallet-mpc-1';
export const WALLET_ADDRESS = newAccount().address;
export const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) };
export const ONE_ETH = 10n ** 18n;
export const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
/** Whole seconds: proofs sign their expiry in seconds. */
export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

export const approvalKey = newAccount();

/** One synthetic NSM for the file: documents are dated by `nsmTime`, which a test may move back. */
export const enclave = { time: NOW };
export const nsm = new SyntheticNsm({ pcrs: PCRS, clock: () => enclave.time });
export const verifier = new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificate });

export const config: CoSignerConfig = {
  deploymentId: DEPLOYMENT,
  approvalKeyAddress: approvalKey.address,
  pcrs: PCRS,
  caps: { default: { native: 2n * ONE_ETH, [USDC]: 1_000_000_000n } },
};

export function shareContext(overrides: Partial<ShareContext> = {}): ShareContext {
  return { deployment: DEPLOYMENT, walletId: WALLET, address: WALLET_ADDRESS, epoch: '1', share: '2', ...overrides };
}

export function coSignerShare(overrides: Partial<ShareContext> = {}, ciphertext = randomBytes(180)): CoSignerShare {
  return {
    format: 'strongroom.cosigner-share.v1',
    context: shareContext(overrides),
    ciphertextBlob: ciphertext.toString('base64'),
  };
}

/** A proof of a native transfer of `value` from the wallet, valid five minutes from NOW. */
export function proofOf(
  overrides: Partial<AuthorizationProof> = {},
  tx: Partial<AuthorizationProof['transaction']> = {},
) {
  const base = sampleProof();
  return {
    ...base,
    walletId: WALLET,
    validUntil: new Date(NOW.getTime() + 300_000),
    ...overrides,
    transaction: { ...base.transaction, chainId: CHAIN_ID, from: WALLET_ADDRESS, value: ONE_ETH, data: '0x', ...tx },
  } satisfies AuthorizationProof;
}

export const domainOf = (proof: AuthorizationProof) => ({
  deploymentId: DEPLOYMENT,
  chainId: proof.transaction.chainId,
});

export const jobIdOf = (proof: AuthorizationProof, attempt = 1): string =>
  `${proof.transferId}:${attempt}:${hashAuthorization(domainOf(proof), proof)}`;

/** A session's attestation: by default for this deployment, wallet and job, with a 32-byte public key. */
export async function sessionAttestation(
  jobId: string,
  options: { publicKey?: Uint8Array | null; walletId?: string; userData?: Uint8Array } = {},
): Promise<string> {
  const publicKey = options.publicKey === undefined ? randomBytes(32) : options.publicKey;
  const document = await nsm.attest({
    ...(publicKey === null ? {} : { publicKey }),
    userData: options.userData ?? mpcSessionUserData(DEPLOYMENT, options.walletId ?? WALLET, jobId),
  });
  return Buffer.from(document).toString('base64');
}

/** A well-formed release request for a proof, signed by `signer` (the approval key by default). */
export async function releaseRequest(
  proof: AuthorizationProof,
  options: {
    signer?: ReturnType<typeof newAccount>;
    jobId?: string;
    attestation?: string;
    sign?: AuthorizationProof;
  } = {},
): Promise<CoSignerReleaseRequest> {
  const signer = options.signer ?? approvalKey;
  const signed = options.sign ?? proof;
  const proofSignature: Hex = await signer.signTypedData(buildAuthorizationTypedData(domainOf(signed), signed));
  const jobId = options.jobId ?? jobIdOf(proof);
  return {
    jobId,
    walletId: WALLET,
    proof: proofToJson(proof),
    proofSignature,
    attestation: options.attestation ?? (await sessionAttestation(jobId)),
  };
}

/** KMS Decrypt in a test: a fresh 33-byte share each call, kept so a test can see it was zeroised. */
export class FakeShareDecrypter implements ShareDecrypter {
  readonly returned: Uint8Array[] = [];
  readonly asked: CoSignerShare[] = [];

  async decrypt(share: CoSignerShare): Promise<Uint8Array> {
    this.asked.push(share);
    const plaintext = new Uint8Array(33).fill(0x5a);
    this.returned.push(plaintext);
    return plaintext;
  }
}

/** HPKE in a test: records what it was asked to seal (a copy of the share, before zeroising). */
export function fakeSealer() {
  const calls: { publicKey: Uint8Array; share: Uint8Array; context: ShareContext }[] = [];
  const seal = async (publicKey: Uint8Array, share: Uint8Array, context: ShareContext): Promise<HpkeSealed> => {
    calls.push({ publicKey: Uint8Array.from(publicKey), share: Uint8Array.from(share), context });
    return { format: 'strongroom.hpke.v1', context, enc: 'ZW5j', ciphertext: 'c2VhbGVk' };
  };
  return { calls, seal };
}

/** A co-signer with memory stores and a registered share for WALLET, epoch 1. */
export async function coSigner(overrides: Partial<ReleaseShareDeps> = {}) {
  const shares = new MemoryCoSignerShareStore();
  const share = coSignerShare();
  await shares.register(share, NOW);
  const releases = new MemoryReleaseLog();
  const decrypter = new FakeShareDecrypter();
  const sealer = fakeSealer();
  const deps: ReleaseShareDeps = {
    config,
    shares,
    releases,
    decrypter,
    sealShare: sealer.seal,
    verifier,
    clock: () => NOW,
    ...overrides,
  };
  return { deps, shares, share, releases, decrypter, sealer };
}
