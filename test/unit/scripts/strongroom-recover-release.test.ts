import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverTransactionAddress } from 'viem';
import { decodeAttestationPayload, decodeCoseSign1 } from '../../../enclave-host/attestation/attestation-document';
import { SyntheticNsm } from '../../../enclave-host/attestation/synthetic-nsm';
import type { HpkeSealed } from '../../../enclave-host/contract';
import { createEnclave } from '../../../enclave-host/enclave/create-enclave';
import { generateRecoveryKeyPair } from '../../../enclave-host/shares';
import {
  buildAuthorizationTypedData,
  type AuthorizationProof,
} from '../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../lambdas/domain/proof/proof-json';
import { runRecover } from '../../../scripts/strongroom-recover';
import { BEFORE_EXPIRY, DOMAIN, newAccount, sampleProof } from '../domain/proof/proof-fixtures';
import { enclaveConfig, FakeEnclaveKms } from '../enclave-host/enclave/enclave-fakes';

/**
 * Recovery 3 + 1 (the co-signer lost), the customer's side: `release` verifies an enclave session's
 * attestation and seals share 3 to its key; the enclave (the real program with the synthetic NSM)
 * combines it with share 1 and signs the proof's transaction as the wallet.
 */
const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) };
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-real-secret' };
const approvalKey = newAccount();
const WALLET = sampleProof().walletId;
const JOB = `${sampleProof().transferId}:1:recovery`;

const nsm = new SyntheticNsm({ pcrs: PCRS });
const enclave = createEnclave({
  config: enclaveConfig(approvalKey.address),
  nsm,
  kms: new FakeEnclaveKms((document) => decodeAttestationPayload(decodeCoseSign1(document).payload).publicKey),
  clock: () => BEFORE_EXPIRY,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-recover-release-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function recover(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRecover(args, { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '' });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** An mpc key with the customer's files (recovery.key, share3.json), a session opened for JOB, and the PCRs file. */
async function walletAndSession(walletId = WALLET) {
  const recovery = await generateRecoveryKeyPair();
  const created = await enclave({ op: 'createMpcKey', walletId, recoveryPublicKey: recovery.publicKey, credentials });
  if (created.op !== 'createMpcKey') throw new Error('not an mpc key');
  const session = await enclave({ op: 'openMpcSession', walletId, jobId: JOB });
  if (session.op !== 'openMpcSession') throw new Error('not a session');
  const files = {
    key: join(dir, 'recovery.key'),
    share: join(dir, 'share3.json'),
    session: join(dir, 'session.json'),
    pcrs: join(dir, 'pcrs.json'),
    root: join(dir, 'root.pem'),
  };
  writeFileSync(files.key, `${Buffer.from(recovery.privateKey).toString('base64url')}\n`, { mode: 0o600 });
  writeFileSync(files.share, JSON.stringify(created.recoveryShare));
  writeFileSync(
    files.session,
    JSON.stringify({ sessionId: session.sessionId, jobId: JOB, attestation: session.attestation }),
  );
  writeFileSync(files.pcrs, JSON.stringify(PCRS));
  writeFileSync(files.root, nsm.rootCertificatePem);
  const args = [
    'release',
    '--key',
    files.key,
    '--share',
    files.share,
    '--session',
    files.session,
    '--pcrs',
    files.pcrs,
  ];
  return { created, session, files, args };
}

async function signedProof(from: `0x${string}`) {
  const proof: AuthorizationProof = { ...sampleProof(), transaction: { ...sampleProof().transaction, from } };
  const proofSignature = await approvalKey.signTypedData(buildAuthorizationTypedData(DOMAIN, proof));
  return { proof: proofToJson(proof), proofSignature, transferId: proof.transferId };
}

describe('strongroom-recover release (recovery 3 + 1)', () => {
  it('seals share 3 to a verified enclave session, and the enclave signs with shares 1 and 3', async () => {
    const { created, session, files, args } = await walletAndSession();
    const released = await recover([...args, '--test-root', files.root]);
    expect(released.stderr).toContain('--test-root trusts a synthetic attestation root');
    expect(released.code).toBe(0);
    const releasedShare = JSON.parse(released.stdout) as HpkeSealed;
    expect(releasedShare.context).toEqual({ ...created.recoveryShare.context, share: '3' });

    const signed = await signedProof(created.address);
    const result = await enclave({
      op: 'signMpc',
      transferId: signed.transferId,
      walletId: WALLET,
      jobId: JOB,
      sessionId: session.sessionId,
      proof: signed.proof,
      proofSignature: signed.proofSignature,
      sealedShare: created.sealedShare,
      releasedShare,
      credentials,
    });
    if (result.op !== 'signMpc') throw new Error('not a signature');
    expect(
      await recoverTransactionAddress({ serializedTransaction: result.serializedTransaction as `0x02${string}` }),
    ).toBe(created.address);
  });

  it('refuses a session it cannot verify: the AWS root (by default), other PCRs, or another job; printing nothing', async () => {
    const { files, args } = await walletAndSession();
    const byDefault = await recover(args); // production mode: the synthetic root is not the AWS Nitro root
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toMatch(/does not verify: ATTESTATION\./);
    expect(byDefault.stdout).toBe('');

    writeFileSync(files.pcrs, JSON.stringify({ ...PCRS, 0: 'dd'.repeat(48) }));
    const otherImage = await recover([...args, '--test-root', files.root]);
    expect(otherImage.code).toBe(1);
    expect(otherImage.stdout).toBe('');

    writeFileSync(files.pcrs, JSON.stringify(PCRS));
    const { attestation, sessionId } = JSON.parse(readFileSync(files.session, 'utf8')) as Record<string, string>;
    writeFileSync(files.session, JSON.stringify({ sessionId, attestation, jobId: 'tx-other:1:p' }));
    const otherJob = await recover([...args, '--test-root', files.root]);
    expect(otherJob.code).toBe(1);
    expect(otherJob.stderr).toContain('USER_DATA');
    expect(otherJob.stdout).toBe('');
  });

  it('names what is missing or malformed (exit 2)', async () => {
    const { files, args } = await walletAndSession();
    expect((await recover(['release', '--key', files.key])).stderr).toContain('--share');
    writeFileSync(files.pcrs, JSON.stringify({ 0: 'a1'.repeat(48) }));
    const noPcr1 = await recover(args);
    expect(noPcr1.code).toBe(2);
    expect(noPcr1.stderr).toContain('PCR1');
  });
});
