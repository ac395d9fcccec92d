import { DecryptCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { recoverTransactionAddress } from 'viem';
import { NitroAttestationVerifier } from '../../../../enclave-host/attestation/nitro-attestation-verifier';
import { SyntheticNsm } from '../../../../enclave-host/attestation/synthetic-nsm';
import type { CreatedAgentKey, EnclaveImageConfig, EnclaveRequest, SealedKey } from '../../../../enclave-host/contract';
import { agentKeyUserData } from '../../../../enclave-host/enclave/agent-key-user-data';
import { mpcKeyUserData } from '../../../../enclave-host/enclave/mpc-key-user-data';
import { mpcSessionUserData } from '../../../../enclave-host/enclave/mpc-session-user-data';
import { createEnclave } from '../../../../enclave-host/enclave/create-enclave';
import { sdkEnclaveKms } from '../../../../enclave-host/enclave/sdk-enclave-kms';
import { EnclaveError } from '../../../../enclave-host/protocol/enclave-error';
import type { EnclaveHandler } from '../../../../enclave-host/protocol/serve-frames';
import { generateRecoveryKeyPair, sealShare } from '../../../../enclave-host/shares';
import { kmsClient } from '../../../../lambdas/adapters/kms/kms-client';
import { buildAuthorizationTypedData } from '../../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../../lambdas/domain/proof/proof-json';
import { awsJsonHandler } from '../../../../local/aws/aws-json-protocol';
import { KmsStandIn } from '../../../../local/aws/kms-stand-in';
import { listenOnLoopback, type LoopbackServer } from '../../../../local/aws/loopback-server';
import { BEFORE_EXPIRY, DOMAIN, newAccount, sampleProof } from '../../domain/proof/proof-fixtures';

/*
 * The enclave's whole sealing path with nothing faked: the synthetic NSM's real COSE documents, the
 * KMS stand-in verifying them against the run's test root and evaluating the sealing key's PCR
 * policy, real CMS envelopes, and the SDK adapter over HTTP.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const PCR0 = 'a1'.repeat(48);
const PCRS = { 0: PCR0, 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) };
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-real-secret' };
const approvalKey = newAccount();
const WALLET = sampleProof().walletId;

/** The sealing key's policy as the CDK writes it: an Allow under the PCR condition, an explicit Deny otherwise. */
function pcrPolicy(pcr0: string): string {
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:*',
        Resource: '*',
        Condition: { Null: { 'kms:RecipientAttestation:PCR0': 'true' } },
      },
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: actions,
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': pcr0 } },
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: actions,
        Resource: '*',
        Condition: { StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': pcr0 } },
      },
    ],
  });
}

let server: LoopbackServer;
let kms: KmsStandIn;
let sealingKeyArn: string;
let coSignerKeyArn: string;
let enclave: EnclaveHandler;
let config: EnclaveImageConfig;
const nsm = new SyntheticNsm({ pcrs: PCRS });

beforeAll(async () => {
  kms = new KmsStandIn(REGION, ACCOUNT, { recipient: { attestationRoot: nsm.rootCertificate } });
  server = await listenOnLoopback(awsJsonHandler(kms.service));
  sealingKeyArn = kms.createKey({ description: 'sealing', policy: pcrPolicy(PCR0) }).arn;
  // No policy (all allowed): in the cloud only the co-signer's role may Decrypt under it.
  coSignerKeyArn = kms.createKey({ description: 'co-signer' }).arn;
  config = {
    deploymentId: DOMAIN.deploymentId,
    approvalKeyAddress: approvalKey.address,
    sealingKeyArn,
    region: REGION,
    kmsEndpoint: server.url,
    mode: 'local',
    coSignerKeyArn,
  };
  enclave = createEnclave({ config, nsm, kms: sdkEnclaveKms(config), clock: () => BEFORE_EXPIRY });
});

afterAll(async () => {
  await server.close();
});

async function createKey(walletId = WALLET): Promise<CreatedAgentKey> {
  const created = await enclave({ op: 'createAgentKey', walletId, credentials });
  if (created.op !== 'createAgentKey') throw new Error('not a created key');
  return created;
}

async function signRequest(sealedKey: SealedKey, from = sealedKey.address): Promise<EnclaveRequest> {
  const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, from } };
  const proofSignature = await approvalKey.signTypedData(buildAuthorizationTypedData(DOMAIN, proof));
  return {
    op: 'sign',
    transferId: proof.transferId,
    walletId: WALLET,
    proof: proofToJson(proof),
    proofSignature,
    sealedKey,
    credentials,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof EnclaveError ? error.code : String(error)),
  );
}

describe('the enclave with the synthetic NSM, the KMS stand-in and the SDK adapter', () => {
  it('creates a key sealed through KMS Recipient, attested for (deployment, wallet, address), and signs with it', async () => {
    const created = await createKey();
    const verifier = new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificate });
    await verifier.verify(Buffer.from(created.attestation, 'base64'), {
      pcrs: PCRS,
      now: new Date(),
      maxAgeSeconds: 60,
      userData: agentKeyUserData(DOMAIN.deploymentId, WALLET, created.address),
    });
    const signed = await enclave(await signRequest(created.sealedKey));
    if (signed.op !== 'sign') throw new Error('not a signature');
    expect(
      await recoverTransactionAddress({ serializedTransaction: signed.serializedTransaction as `0x02${string}` }),
    ).toBe(created.address);
    expect(kms.calls.filter((call) => call.operation !== 'CreateKey')).toEqual([
      { operation: 'GenerateDataKey', keyId: sealingKeyArn },
      { operation: 'Decrypt', keyId: sealingKeyArn },
    ]);
  });

  it("refuses another wallet's sealed key relabelled as this wallet's: KMS binds the context (UNSEAL_FAILED)", async () => {
    const other = await createKey('wallet-other');
    const relabelled: SealedKey = { ...other.sealedKey, context: { ...other.sealedKey.context, walletId: WALLET } };
    expect(await codeOf(enclave(await signRequest(relabelled)))).toBe('ENCLAVE.UNSEAL_FAILED');
  });

  it('cannot unseal once the key policy names another image (UNSEAL_FAILED)', async () => {
    const created = await createKey();
    // A copy: the SDK marks the credentials object it is given ($source), which the enclave's strict parser would refuse.
    const admin = kmsClient({ endpoint: server.url, region: REGION, credentials: { ...credentials }, maxAttempts: 1 });
    try {
      await admin.send(
        new PutKeyPolicyCommand({ KeyId: sealingKeyArn, PolicyName: 'default', Policy: pcrPolicy('d4'.repeat(48)) }),
      );
      expect(await codeOf(enclave(await signRequest(created.sealedKey)))).toBe('ENCLAVE.UNSEAL_FAILED');
    } finally {
      await admin.send(
        new PutKeyPolicyCommand({ KeyId: sealingKeyArn, PolicyName: 'default', Policy: pcrPolicy(PCR0) }),
      );
      admin.destroy();
    }
  });

  it('reports KMS unreachable as KMS_UNAVAILABLE', async () => {
    const closed = await listenOnLoopback((_request, response) => response.end());
    await closed.close();
    const unreachable = { ...config, kmsEndpoint: closed.url };
    const down = createEnclave({
      config: unreachable,
      nsm,
      kms: sdkEnclaveKms(unreachable),
      clock: () => BEFORE_EXPIRY,
    });
    expect(await codeOf(down({ op: 'createAgentKey', walletId: WALLET, credentials }))).toBe('ENCLAVE.KMS_UNAVAILABLE');
  });

  it('makes an mpc key (share 2 by KMS Encrypt under the co-signer key) and signs with share 2 released to an attested session', async () => {
    const verifier = new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificate });
    const recovery = await generateRecoveryKeyPair();
    const created = await enclave({
      op: 'createMpcKey',
      walletId: WALLET,
      recoveryPublicKey: recovery.publicKey,
      credentials,
    });
    if (created.op !== 'createMpcKey') throw new Error('not an mpc key');
    const { coSignerShare } = created;
    await verifier.verify(Buffer.from(created.attestation, 'base64'), {
      pcrs: PCRS,
      now: new Date(),
      maxAgeSeconds: 60,
      userData: mpcKeyUserData({
        deployment: DOMAIN.deploymentId,
        walletId: WALLET,
        address: created.address,
        epoch: '1',
        coSignerCiphertext: Buffer.from(coSignerShare.ciphertextBlob, 'base64'),
        recoveryCiphertext: Buffer.from(created.recoveryShare.ciphertext, 'base64url'),
      }),
    });

    // The co-signer's side: Decrypt under its key with the share's context (and with no other).
    const coSigner = kmsClient({
      endpoint: server.url,
      region: REGION,
      credentials: { ...credentials },
      maxAttempts: 1,
    });
    const decrypt = (context: Record<string, string>) =>
      coSigner.send(
        new DecryptCommand({
          KeyId: coSignerKeyArn,
          CiphertextBlob: Buffer.from(coSignerShare.ciphertextBlob, 'base64'),
          EncryptionContext: context,
        }),
      );
    let share2: Uint8Array;
    try {
      await expect(decrypt({ ...coSignerShare.context, epoch: '2' })).rejects.toThrow();
      share2 = (await decrypt({ ...coSignerShare.context })).Plaintext!;
    } finally {
      coSigner.destroy();
    }
    const jobId = `${sampleProof().transferId}:1:p1`;
    const session = await enclave({ op: 'openMpcSession', walletId: WALLET, jobId });
    if (session.op !== 'openMpcSession') throw new Error('not a session');
    const attested = await verifier.verify(Buffer.from(session.attestation, 'base64'), {
      pcrs: PCRS,
      now: new Date(),
      maxAgeSeconds: 60,
      userData: mpcSessionUserData(DOMAIN.deploymentId, WALLET, jobId),
    });
    const releasedShare = await sealShare(attested.publicKey!, share2, coSignerShare.context);
    share2.fill(0);

    const agentRequest = await signRequest(created.sealedShare);
    if (agentRequest.op !== 'sign') throw new Error('not a sign request');
    const { sealedKey: _, op: __, ...common } = agentRequest;
    const signed = await enclave({
      ...common,
      op: 'signMpc',
      jobId,
      sessionId: session.sessionId,
      sealedShare: created.sealedShare,
      releasedShare,
    });
    if (signed.op !== 'signMpc') throw new Error('not a signature');
    expect(
      await recoverTransactionAddress({ serializedTransaction: signed.serializedTransaction as `0x02${string}` }),
    ).toBe(created.address);
  });
});
