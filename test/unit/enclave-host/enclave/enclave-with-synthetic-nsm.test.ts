import { recoverTransactionAddress } from 'viem';
import { decodeAttestationPayload, decodeCoseSign1 } from '../../../../enclave-host/attestation/attestation-document';
import { isAttestationError } from '../../../../enclave-host/attestation/attestation-error';
import { NitroAttestationVerifier } from '../../../../enclave-host/attestation/nitro-attestation-verifier';
import { SyntheticNsm } from '../../../../enclave-host/attestation/synthetic-nsm';
import { agentKeyUserData } from '../../../../enclave-host/enclave/agent-key-user-data';
import { createEnclave } from '../../../../enclave-host/enclave/create-enclave';
import { buildAuthorizationTypedData } from '../../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../../lambdas/domain/proof/proof-json';
import { BEFORE_EXPIRY, DOMAIN, newAccount, sampleProof } from '../../domain/proof/proof-fixtures';
import { enclaveConfig, FakeEnclaveKms } from './enclave-fakes';

const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) };
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-real-secret' };
const approvalKey = newAccount();
const WALLET = sampleProof().walletId;

/** The attested RSA key of a real document, as KMS reads it. */
const publicKeyOf = (document: Uint8Array): Uint8Array | undefined =>
  decodeAttestationPayload(decodeCoseSign1(document).payload).publicKey;

describe('the enclave with the synthetic NSM: what the registrar verifies', () => {
  const nsm = new SyntheticNsm({ pcrs: PCRS });
  const verifier = new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificate });
  const enclave = createEnclave({
    config: enclaveConfig(approvalKey.address),
    nsm,
    kms: new FakeEnclaveKms(publicKeyOf),
    clock: () => BEFORE_EXPIRY,
  });

  it("a new key's attestation verifies against the test root with the PCRs and agentKeyUserData, and the key signs", async () => {
    const created = await enclave({ op: 'createAgentKey', walletId: WALLET, credentials });
    if (created.op !== 'createAgentKey') throw new Error('not a created key');
    const document = Buffer.from(created.attestation, 'base64');
    const verified = await verifier.verify(document, {
      pcrs: PCRS,
      now: new Date(),
      maxAgeSeconds: 60,
      userData: agentKeyUserData(DOMAIN.deploymentId, WALLET, created.address),
    });
    expect(verified.pcrs).toEqual(expect.objectContaining(PCRS));

    // What a host that swapped the address (or the wallet) would present: refused by the user data.
    const swapped = await verifier
      .verify(document, {
        pcrs: PCRS,
        now: new Date(),
        maxAgeSeconds: 60,
        userData: agentKeyUserData(DOMAIN.deploymentId, WALLET, newAccount().address),
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isAttestationError(swapped) && swapped.code).toBe('ATTESTATION.USER_DATA_MISMATCH');

    const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, from: created.address } };
    const proofSignature = await approvalKey.signTypedData(buildAuthorizationTypedData(DOMAIN, proof));
    const signed = await enclave({
      op: 'sign',
      transferId: proof.transferId,
      walletId: WALLET,
      proof: proofToJson(proof),
      proofSignature,
      sealedKey: created.sealedKey,
      credentials,
    });
    if (signed.op !== 'sign') throw new Error('not a signature');
    expect(
      await recoverTransactionAddress({ serializedTransaction: signed.serializedTransaction as `0x02${string}` }),
    ).toBe(created.address);
  });
});
