// Latency of one custody signature per key scheme, one at a time, median of 50 after a warm-up: the
// kms scheme's signer (signCustodyTransaction) over the local vault and over the KMS adapter against
// the KMS stand-in on loopback HTTP, and the enclave scheme's `sign` round trip to the enclave program
// running as a child process (Unix socket, synthetic NSM, KMS stand-in with the sealing key's PCR
// policy), and the mpc scheme's three steps (openMpcSession, the co-signer's release, signMpc). Then the
// enclave's one-off costs: bundle build, start, createAgentKey and createMpcKey.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bytesToHex, isAddressEqual, recoverTransactionAddress, type Hex } from 'viem';
import { generateRecipientKeyPair } from '../enclave-host/attestation/recipient-envelope';
import type { CreatedMpcKey, KmsCredentials, SealedKey } from '../enclave-host/contract';
import { agentKeyUserData } from '../enclave-host/enclave/agent-key-user-data';
import { buildEnclaveBundle } from '../enclave-host/enclave/build';
import { SocketEnclaveClient } from '../enclave-host/protocol/socket-enclave-client';
import { generateRecoveryKeyPair, zeroise } from '../enclave-host/shares';
import { kmsClient } from '../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../lambdas/adapters/kms/kms-key-vault';
import { LocalKeyVault } from '../lambdas/adapters/local/local-key-vault';
import type { Address } from '../lambdas/domain/address';
import { hashAuthorization, type AuthorizationProof } from '../lambdas/domain/proof/authorization-proof';
import type { ProofDomain } from '../lambdas/domain/proof/proof-domain';
import { proofToJson } from '../lambdas/domain/proof/proof-json';
import type { KeyVault } from '../lambdas/ports/key-vault';
import { signCustodyTransaction } from '../lambdas/signing/custody-transaction-signer';
import { proofSigner, type ProofSigner } from '../lambdas/signing/proof-signer';
import { awsJsonHandler } from '../local/aws/aws-json-protocol';
import { KmsStandIn } from '../local/aws/kms-stand-in';
import { listenOnLoopback } from '../local/aws/loopback-server';
import { startLocalEnclave, type LocalEnclave } from '../local/enclave/local-enclave';
import { percentile } from './lib/tally';

const SIGNATURES = 50;
const WARM_UP = 5;
const AGENT_KEYS = 10;
const DEPLOYMENT_ID = 'strongroom-bench';
const DOMAIN: ProofDomain = { deploymentId: DEPLOYMENT_ID, chainId: 31337 };
const WALLET_ID = 'wallet-bench';
const MPC_WALLET_ID = 'wallet-bench-mpc';
const REGION = 'us-east-1';
/** What the local stand-ins accept (local/enclave/local-enclave.ts passes the same). */
const STAND_IN_CREDENTIALS: KmsCredentials = { accessKeyId: 'local-stand-in', secretAccessKey: 'local-stand-in' };

interface Signable {
  readonly proof: AuthorizationProof;
  readonly proofSignature: Hex;
}

/** `count` proofs from `from`, each for its own transfer and nonce, signed by the approval key ahead of the timing. */
async function signedProofs(
  approval: ProofSigner,
  from: Address,
  count: number,
  walletId = WALLET_ID,
): Promise<Signable[]> {
  const validUntil = new Date(Math.floor(Date.now() / 1_000) * 1_000 + 30 * 60_000);
  const out: Signable[] = [];
  for (let i = 0; i < count; i++) {
    const proof: AuthorizationProof = {
      transferId: `bench-${i}`,
      walletId,
      transaction: {
        chainId: DOMAIN.chainId,
        nonce: i,
        from,
        to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
        value: 1_000n,
        data: '0x',
        gasLimit: 21_000n,
        maxFeePerGas: 30_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
      },
      policyDecisionId: 'pd-bench',
      approvalIds: [],
      approvalDigests: [],
      validUntil,
    };
    out.push({ proof, proofSignature: await approval.signAuthorization(proof) });
  }
  return out;
}

/** Milliseconds of each of `count` calls made one after another, after `WARM_UP` untimed ones. */
async function latencies(count: number, operation: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await operation(i);
  const samples: number[] = [];
  for (let i = WARM_UP; i < WARM_UP + count; i++) {
    const started = performance.now();
    await operation(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`.padStart(10);

function printLatencies(rows: readonly (readonly [string, readonly number[]])[]): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(
    `  ${''.padEnd(width)}  ${['median', 'p90', 'min', 'max'].map((h) => h.padStart(10)).join(' ')}  (samples)`,
  );
  for (const [name, samples] of rows) {
    const figures = [percentile(samples, 0.5), percentile(samples, 0.9), Math.min(...samples), Math.max(...samples)];
    console.log(`  ${name.padEnd(width)}  ${figures.map(ms).join(' ')}  (${samples.length})`);
  }
}

/** The kms scheme's signer over `vault`: proof check, address check, signDigest, signature and serialisation checks. */
async function kmsSchemeLatencies(vault: KeyVault, approval: ProofSigner): Promise<number[]> {
  const custody = await vault.createKey({ ownerId: WALLET_ID, purpose: 'custody' });
  const approvalKeyAddress = await approval.address();
  const proofs = await signedProofs(approval, custody.address, WARM_UP + SIGNATURES);
  return latencies(SIGNATURES, (i) => {
    const { proof, proofSignature } = proofs[i]!;
    return signCustodyTransaction(
      { keyVault: vault, proofDomain: DOMAIN, approvalKeyAddress, clock: () => new Date() },
      {
        transferId: proof.transferId,
        walletId: WALLET_ID,
        keyId: custody.keyId,
        transaction: proof.transaction,
        proof,
        proofSignature,
      },
    );
  });
}

/** The same signer with the KMS adapter, each Sign one HTTP request to the KMS stand-in on loopback. */
async function kmsStandInLatencies(approval: ProofSigner): Promise<number[]> {
  const kms = new KmsStandIn(REGION, '000000000000');
  const server = await listenOnLoopback(awsJsonHandler(kms.service));
  // A copy: the SDK marks the object it is given ($source), which the enclave's strict parser would refuse.
  const client = kmsClient({
    endpoint: server.url,
    region: REGION,
    credentials: { ...STAND_IN_CREDENTIALS },
    maxAttempts: 1,
  });
  try {
    return await kmsSchemeLatencies(new KmsKeyVault(client), approval);
  } finally {
    client.destroy();
    await server.close();
  }
}

interface EnclaveFigures {
  readonly buildMs: number;
  readonly bundleBytes: number;
  readonly startMs: number;
  readonly createAgentKey: number[];
  readonly verifyAttestation: number[];
  readonly health: number[];
  readonly sign: number[];
  readonly mpc: MpcFigures;
}

/** The mpc scheme's signature, whole and by its three steps, and its key's one-off costs. */
interface MpcFigures {
  readonly whole: number[];
  readonly openSession: number[];
  readonly release: number[];
  readonly signMpc: number[];
  readonly createMpcKey: number[];
  readonly register: number[];
}

async function enclaveLatencies(approval: ProofSigner): Promise<EnclaveFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-enclave-'));
  try {
    const approvalKeyAddress = await approval.address();
    // The build alone first (esbuild cold), for its own figure; startLocalEnclave builds again.
    const buildStarted = performance.now();
    const bundle = await buildEnclaveBundle({
      outfile: join(dir, 'build-alone', 'enclave.js'),
      config: {
        deploymentId: DEPLOYMENT_ID,
        approvalKeyAddress,
        sealingKeyArn: `arn:aws:kms:${REGION}:000000000000:key/00000000-0000-4000-8000-000000000000`,
        region: REGION,
        kmsEndpoint: 'http://127.0.0.1:1',
        mode: 'local',
      },
    });
    const buildMs = performance.now() - buildStarted;

    const startStarted = performance.now();
    const enclave = await startLocalEnclave({
      dir: join(dir, 'enclave'),
      deploymentId: DEPLOYMENT_ID,
      approvalKeyAddress,
    });
    await enclave.ready(); // the program otherwise starts at its first use
    const startMs = performance.now() - startStarted;
    const client = new SocketEnclaveClient({ path: join(dir, 'enclave', 'enclave.sock') });
    try {
      const createAgentKey = await latencies(AGENT_KEYS, (i) => enclave.agentKeys.createAgentKey(`wallet-key-${i}`));
      const created = await enclave.agentKeys.createAgentKey(WALLET_ID);
      const document = new Uint8Array(Buffer.from(created.attestation, 'base64'));
      const userData = bytesToHex(agentKeyUserData(DEPLOYMENT_ID, WALLET_ID, created.address));
      const verifyAttestation = await latencies(AGENT_KEYS, () =>
        enclave.agentKeys.verifyAttestation(document, userData),
      );
      const health = await latencies(SIGNATURES, () => client.call({ op: 'health' }));
      const sealedKey: SealedKey = created.sealedKey;
      const proofs = await signedProofs(approval, created.address, WARM_UP + SIGNATURES);
      const signRequest = ({ proof, proofSignature }: Signable) =>
        ({
          op: 'sign',
          transferId: proof.transferId,
          walletId: WALLET_ID,
          proof: proofToJson(proof),
          proofSignature,
          sealedKey,
          credentials: { ...STAND_IN_CREDENTIALS },
        }) as const;
      const sign = await latencies(SIGNATURES, (i) => client.call(signRequest(proofs[i]!)));
      // Once, untimed: the figures are of signatures by the wallet's key, not of refusals.
      const last = await client.call(signRequest(proofs[0]!));
      if (last.op !== 'sign') throw new Error(`the enclave answered ${last.op} to sign`);
      const signer = await recoverTransactionAddress({
        serializedTransaction: last.serializedTransaction as `0x02${string}`,
      });
      if (!isAddressEqual(signer, created.address)) throw new Error('the enclave signed with another key');
      const mpc = await mpcLatencies(enclave, client, approval);
      return { buildMs, bundleBytes: bundle.bytes, startMs, createAgentKey, verifyAttestation, health, sign, mpc };
    } finally {
      await client.close();
      await enclave.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The mpc scheme as the signing host runs it for one job: `openMpcSession` (an X25519 key and an
 * attestation, in the enclave), the co-signer's release (in process here: proof, cap, attestation
 * checks, KMS Decrypt of share 2 through the stand-in, HPKE to the session key, the release recorded
 * in memory), then `signMpc` (share 1 unsealed through KMS Recipient, share 2 opened, combined, the
 * address checked, signed, zeroised). Not the Lambda Invoke of the co-signer, nor its DynamoDB writes.
 */
async function mpcLatencies(
  enclave: LocalEnclave,
  client: SocketEnclaveClient,
  approval: ProofSigner,
): Promise<MpcFigures> {
  const recovery = await generateRecoveryKeyPair();
  zeroise(recovery.privateKey);
  const createMpcKey = await latencies(AGENT_KEYS, (i) =>
    enclave.agentKeys.createMpcKey(`wallet-mpc-${i}`, recovery.publicKey),
  );
  const register: number[] = [];
  let created: CreatedMpcKey | undefined;
  for (let i = 0; i < AGENT_KEYS + 1; i++) {
    const key = await enclave.agentKeys.createMpcKey(`${MPC_WALLET_ID}-${i}`, recovery.publicKey);
    const started = performance.now();
    const registered = await enclave.coSigner.register({
      coSignerShare: key.coSignerShare,
      attestation: key.attestation,
      recoveryShareCiphertext: key.recoveryShare.ciphertext,
    });
    register.push(performance.now() - started);
    if (!registered.ok) throw new Error(`the co-signer refused to register: ${registered.code}`);
    created = key;
  }
  const key = created!;
  const walletId = key.sealedShare.context.walletId;
  const proofs = await signedProofs(approval, key.address, WARM_UP + SIGNATURES, walletId);
  const openSession: number[] = [];
  const release: number[] = [];
  const signMpc: number[] = [];
  const step = async <T>(samples: number[], call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await call();
    samples.push(performance.now() - started);
    return result;
  };
  const oneSignature = async ({ proof, proofSignature }: Signable): Promise<Hex> => {
    const jobId = `${proof.transferId}:1:${hashAuthorization(DOMAIN, proof)}`;
    const session = await step(openSession, () => client.call({ op: 'openMpcSession', walletId, jobId }));
    if (session.op !== 'openMpcSession') throw new Error(`the enclave answered ${session.op} to openMpcSession`);
    const answer = await step(release, () =>
      enclave.coSignerClient.release({
        jobId,
        walletId,
        proof: proofToJson(proof),
        proofSignature,
        attestation: session.attestation,
      }),
    );
    if (!answer.ok) throw new Error(`the co-signer refused: ${answer.code}: ${answer.message}`);
    const signed = await step(signMpc, () =>
      client.call({
        op: 'signMpc',
        transferId: proof.transferId,
        walletId,
        jobId,
        sessionId: session.sessionId,
        proof: proofToJson(proof),
        proofSignature,
        sealedShare: key.sealedShare,
        releasedShare: answer.share,
        credentials: { ...STAND_IN_CREDENTIALS },
      }),
    );
    if (signed.op !== 'signMpc') throw new Error(`the enclave answered ${signed.op} to signMpc`);
    return signed.serializedTransaction;
  };
  const whole = await latencies(SIGNATURES, (i) => oneSignature(proofs[i]!));
  // The step figures of the warm-up are dropped, as `latencies` drops the whole ones.
  for (const samples of [openSession, release, signMpc]) samples.splice(0, WARM_UP);
  const last = await oneSignature(proofs[0]!).catch(() => undefined); // a used proof: the cap counts it once, still signs
  const signer =
    last === undefined
      ? undefined
      : await recoverTransactionAddress({ serializedTransaction: last as `0x02${string}` });
  if (signer === undefined || !isAddressEqual(signer, key.address))
    throw new Error("the mpc signature is not the wallet key's");
  return {
    whole,
    openSession: openSession.slice(0, SIGNATURES),
    release: release.slice(0, SIGNATURES),
    signMpc: signMpc.slice(0, SIGNATURES),
    createMpcKey,
    register,
  };
}

export async function run(): Promise<void> {
  const vault = await LocalKeyVault.open({ passphrase: 'bench passphrase' });
  const approvalKey = await vault.createKey({ ownerId: DEPLOYMENT_ID, purpose: 'approval' });
  const approval = proofSigner({
    keyVault: vault,
    keyId: approvalKey.keyId,
    purpose: 'approval',
    deploymentId: DEPLOYMENT_ID,
  });

  const local = await kmsSchemeLatencies(vault, approval);
  const standIn = await kmsStandInLatencies(approval);
  const enclave = await enclaveLatencies(approval);
  const rsaKeyPair = await latencies(SIGNATURES, async () => generateRecipientKeyPair());

  console.log(
    `\nsigning latency per key scheme: one custody signature at a time, ${SIGNATURES} after ${WARM_UP} warm-up, proofs signed beforehand`,
  );
  printLatencies([
    ['kms scheme, local vault (signCustodyTransaction)', local],
    ['kms scheme, KMS adapter → KMS stand-in over HTTP', standIn],
    ['enclave scheme, sign over the Unix socket', enclave.sign],
    ['  the socket round trip alone (health op)', enclave.health],
    ['  one RSA-2048 recipient key pair (in this process)', rsaKeyPair],
    ['mpc scheme, session + co-signer release + signMpc', enclave.mpc.whole],
    ['  openMpcSession (X25519 key, attestation)', enclave.mpc.openSession],
    ["  the co-signer's release (in process)", enclave.mpc.release],
    ['  signMpc (unseal share 1, open share 2, combine, sign)', enclave.mpc.signMpc],
  ]);
  for (const line of [
    'kms scheme: proof verification (recovery), address check, signDigest, low-s and signature checks, serialisation.',
    '  local vault: AES-GCM open and the secp256k1 signature in this process.',
    '  KMS stand-in: one Sign request over loopback HTTP (public key and purpose cached by then); not the tens of ms',
    '  of a real KMS Sign, nor Lambda, Step Functions or network.',
    'enclave scheme: frames over a Unix socket, proof verification, a fresh RSA-2048 recipient key, a synthetic NSM',
    '  attestation, KMS Decrypt with Recipient through the stand-in (which verifies the document and applies the PCR',
    '  policy, in this process: the two share 2 cores), CMS open, AES-GCM open, address check, signing. Not vsock, not',
    '  vsock-proxy and TLS to real KMS, not real KMS latency, not /dev/nsm, nor the SQS queue and host loop.',
    '  The spread is the RSA key generation: a random prime search, as the line above it shows.',
    "mpc scheme: the signing host's three calls for one job. The co-signer runs in this process (proof, cap, attestation",
    '  checks, KMS Decrypt through the stand-in, HPKE to the session key, the release recorded in memory); in the cloud',
    '  it is a Lambda Invoke (tens of ms warm) and two DynamoDB requests more. signMpc unseals share 1 as sign unseals',
    '  the key (so it carries the same RSA spread), then opens share 2 (X25519 HPKE) and combines the two (Shamir).',
  ])
    console.log(`  ${line}`);
  console.log('\nenclave one-off costs');
  printLatencies([
    [`createAgentKey (GenerateDataKey with Recipient, seal, attest), ${AGENT_KEYS} keys`, enclave.createAgentKey],
    ["  the host's check of its attestation (verifyAttestation)", enclave.verifyAttestation],
    [
      `createMpcKey (split, seal share 1, Encrypt share 2, HPKE share 3, attest), ${AGENT_KEYS} keys`,
      enclave.mpc.createMpcKey,
    ],
    ["  the co-signer's registration (attestation verified, share 2 stored in memory)", enclave.mpc.register],
  ]);
  console.log(
    `  bundle build alone (esbuild, cold): ${enclave.buildMs.toFixed(0)} ms, ${enclave.bundleBytes.toLocaleString('en-US')} bytes`,
  );
  console.log(
    `  startLocalEnclave (stand-ins, bundle build again, child process start, first health answer): ${enclave.startMs.toFixed(0)} ms`,
  );
}
