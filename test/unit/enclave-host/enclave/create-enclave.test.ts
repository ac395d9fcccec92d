import { bytesToHex, keccak256, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import type { CreatedAgentKey, EnclaveRequest, SealedKey } from '../../../../enclave-host/contract';
import { agentKeyUserData } from '../../../../enclave-host/enclave/agent-key-user-data';
import { createEnclave } from '../../../../enclave-host/enclave/create-enclave';
import type { EnclaveHandler } from '../../../../enclave-host/protocol/serve-frames';
import {
  buildAuthorizationTypedData,
  type AuthorizationProof,
} from '../../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../../lambdas/domain/proof/proof-json';
import { BEFORE_EXPIRY, DOMAIN, VALID_UNTIL, newAccount, sampleProof } from '../../domain/proof/proof-fixtures';
import { enclaveConfig, FakeEnclaveKms, FakeNsm, readFakeDocument, refusal, SEALING_KEY_ARN } from './enclave-fakes';

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-real-secret', sessionToken: 'token' };
const approvalKey = newAccount();
const WALLET = sampleProof().walletId;

interface Setup {
  readonly enclave: EnclaveHandler;
  readonly nsm: FakeNsm;
  readonly kms: FakeEnclaveKms;
  now: Date;
}

function setup(): Setup {
  const nsm = new FakeNsm();
  const kms = new FakeEnclaveKms();
  const state: Setup = {
    nsm,
    kms,
    now: BEFORE_EXPIRY,
    enclave: createEnclave({ config: enclaveConfig(approvalKey.address), nsm, kms, clock: () => state.now }),
  };
  return state;
}

async function createKey(s: Setup, walletId = WALLET): Promise<CreatedAgentKey> {
  const result = await s.enclave({ op: 'createAgentKey', walletId, credentials });
  if (result.op !== 'createAgentKey') throw new Error(`unexpected ${result.op}`);
  return result;
}

/** A proof for `from`, signed by the approval key (or `signer`), as the workflow carries it. */
async function signedProof(from: Hex, change: Partial<AuthorizationProof> = {}, signer = approvalKey) {
  const proof: AuthorizationProof = {
    ...sampleProof(),
    transaction: { ...sampleProof().transaction, from },
    ...change,
  };
  const proofSignature = await signer.signTypedData(
    buildAuthorizationTypedData({ ...DOMAIN, chainId: proof.transaction.chainId }, proof),
  );
  return { proof, json: proofToJson(proof), proofSignature };
}

function signRequest(
  sealedKey: SealedKey,
  signed: Awaited<ReturnType<typeof signedProof>>,
  change: Partial<Extract<EnclaveRequest, { op: 'sign' }>> = {},
): EnclaveRequest {
  return {
    op: 'sign',
    transferId: signed.proof.transferId,
    walletId: signed.proof.walletId,
    proof: signed.json,
    proofSignature: signed.proofSignature,
    sealedKey,
    credentials,
    ...change,
  };
}

describe('createEnclave', () => {
  it('answers health with the protocol and its mode', async () => {
    await expect(setup().enclave({ op: 'health' })).resolves.toEqual({ op: 'health', protocol: 1, mode: 'local' });
  });

  describe('createAgentKey', () => {
    it('makes a key inside, seals it under the compiled-in key with its context, and attests (deployment, wallet, address)', async () => {
      const s = setup();
      const created = await createKey(s);
      expect(created.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(created.sealedKey).toEqual({
        format: 'strongroom.sealed.v1',
        context: { deployment: DOMAIN.deploymentId, walletId: WALLET, purpose: 'agent-key', version: '1' },
        address: created.address,
        encryptedDataKey: expect.any(String),
        iv: expect.any(String),
        ciphertext: expect.any(String),
      });
      expect(Buffer.from(created.sealedKey.ciphertext, 'base64')).toHaveLength(48);
      expect(s.kms.requests).toEqual([
        {
          operation: 'GenerateDataKey',
          keyId: SEALING_KEY_ARN,
          context: { deployment: DOMAIN.deploymentId, walletId: WALLET, purpose: 'agent-key', version: '1' },
        },
      ]);
      const document = readFakeDocument(Buffer.from(created.attestation, 'base64'));
      expect(document.userData).toBe(
        Buffer.from(agentKeyUserData(DOMAIN.deploymentId, WALLET, created.address)).toString('hex'),
      );
      // The key's buffer is zeroised, and the key appears nowhere in what leaves the enclave.
      const secret = s.nsm.copies.find((bytes) => bytes.length === 32)!;
      expect(s.nsm.handedOut.find((bytes) => bytes.length === 32)!.every((byte) => byte === 0)).toBe(true);
      expect(JSON.stringify(created)).not.toContain(secret.toString('hex'));
      expect(JSON.stringify(created)).not.toContain(secret.toString('base64'));
    });

    it('commits the user data to the deployment, the wallet and the address, each', () => {
      const a = '0x1111111111111111111111111111111111111111';
      const base = bytesToHex(agentKeyUserData('d', 'w', a));
      expect(base).toMatch(/^0x[0-9a-f]{64}$/);
      expect(bytesToHex(agentKeyUserData('d2', 'w', a))).not.toBe(base);
      expect(bytesToHex(agentKeyUserData('d', 'w2', a))).not.toBe(base);
      expect(bytesToHex(agentKeyUserData('d', 'w', '0x2222222222222222222222222222222222222222'))).not.toBe(base);
      // Length-prefixed: moving a character between the strings changes the hash.
      expect(bytesToHex(agentKeyUserData('dw', '', a))).not.toBe(bytesToHex(agentKeyUserData('d', 'w', a)));
    });

    it('reports KMS throttling as KMS_UNAVAILABLE', async () => {
      const s = setup();
      s.kms.unavailable = true;
      await refusal(s.enclave({ op: 'createAgentKey', walletId: WALLET, credentials }), 'ENCLAVE.KMS_UNAVAILABLE');
    });
  });

  describe('sign', () => {
    it('signs exactly the transaction of the proof, recovering to the sealed key’s address', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      const result = await s.enclave(signRequest(created.sealedKey, signed));
      if (result.op !== 'sign') throw new Error('not a signature');
      expect(result.txHash).toBe(keccak256(result.serializedTransaction));
      expect(
        await recoverTransactionAddress({ serializedTransaction: result.serializedTransaction as `0x02${string}` }),
      ).toBe(created.address);
      const tx = signed.proof.transaction;
      const parsed = parseTransaction(result.serializedTransaction);
      expect(parsed).toEqual(
        expect.objectContaining({
          type: 'eip1559',
          chainId: tx.chainId,
          nonce: tx.nonce,
          to: tx.to.toLowerCase(),
          value: tx.value,
          data: tx.data,
          gas: tx.gasLimit,
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        }),
      );
      expect(s.kms.requests.map((r) => r.operation)).toEqual(['GenerateDataKey', 'Decrypt']);
      expect(s.kms.requests[1]!.context).toEqual(created.sealedKey.context);
    });

    it('signs the same job to the same bytes every time, on another enclave too (deterministic ECDSA, RFC 6979)', async () => {
      // The job ledger relies on it: a job claimed by a host that died before answering is asked again.
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      const another = createEnclave({
        config: enclaveConfig(approvalKey.address),
        nsm: s.nsm,
        kms: s.kms,
        clock: () => s.now,
      });
      const results = [
        await s.enclave(signRequest(created.sealedKey, signed)),
        await s.enclave(signRequest(created.sealedKey, signed)),
        await another(signRequest(created.sealedKey, signed)),
      ];
      const [first] = results;
      if (first?.op !== 'sign') throw new Error('not a signature');
      expect(results).toEqual([first, first, first]);
      // And a different transaction gives different bytes: the equality above is not a constant.
      const other = await signedProof(created.address, {
        transaction: { ...signed.proof.transaction, nonce: signed.proof.transaction.nonce + 1 },
      });
      const second = await s.enclave(signRequest(created.sealedKey, other));
      if (second.op !== 'sign') throw new Error('not a signature');
      expect(second.serializedTransaction).not.toBe(first.serializedTransaction);
    });

    it('refuses a proof altered after signing (PROOF_INVALID), without asking KMS', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      const altered = { ...signed.json, transaction: { ...signed.json.transaction, value: '9000000000000000000' } };
      await refusal(s.enclave(signRequest(created.sealedKey, signed, { proof: altered })), 'ENCLAVE.PROOF_INVALID');
      expect(s.kms.requests.map((r) => r.operation)).toEqual(['GenerateDataKey']);
    });

    it('refuses a proof signed by another key than the compiled-in approval key (PROOF_INVALID)', async () => {
      const s = setup();
      const created = await createKey(s);
      const forged = await signedProof(created.address, {}, newAccount());
      await refusal(s.enclave(signRequest(created.sealedKey, forged)), 'ENCLAVE.PROOF_INVALID');
    });

    it('refuses an expired proof and one that does not parse (PROOF_INVALID)', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      s.now = VALID_UNTIL;
      await refusal(s.enclave(signRequest(created.sealedKey, signed)), 'ENCLAVE.PROOF_INVALID');
      s.now = BEFORE_EXPIRY;
      await refusal(
        s.enclave(signRequest(created.sealedKey, signed, { proof: { walletId: WALLET } })),
        'ENCLAVE.PROOF_INVALID',
      );
    });

    it('refuses a proof for another transfer than the request (TRANSACTION_MISMATCH)', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      await refusal(
        s.enclave(signRequest(created.sealedKey, signed, { transferId: 'tr_another' })),
        'ENCLAVE.TRANSACTION_MISMATCH',
      );
    });

    it('refuses a proof for another wallet (WRONG_WALLET)', async () => {
      const s = setup();
      const created = await createKey(s);
      const forOther = await signedProof(created.address, { walletId: 'wallet-other' });
      await refusal(s.enclave(signRequest(created.sealedKey, forOther, { walletId: WALLET })), 'ENCLAVE.WRONG_WALLET');
    });

    it("refuses another wallet's sealed key: as it is (WRONG_WALLET), or with its context edited (UNSEAL_FAILED)", async () => {
      const s = setup();
      const other = await createKey(s, 'wallet-other');
      const signed = await signedProof(other.address);
      await refusal(s.enclave(signRequest(other.sealedKey, signed)), 'ENCLAVE.WRONG_WALLET');

      const relabelled: SealedKey = { ...other.sealedKey, context: { ...other.sealedKey.context, walletId: WALLET } };
      await refusal(s.enclave(signRequest(relabelled, signed)), 'ENCLAVE.UNSEAL_FAILED');
    });

    it('refuses a sealed key of another deployment or version it does not open under (WRONG_WALLET, UNSEAL_FAILED)', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      const foreign: SealedKey = {
        ...created.sealedKey,
        context: { ...created.sealedKey.context, deployment: 'another-deployment' },
      };
      await refusal(s.enclave(signRequest(foreign, signed)), 'ENCLAVE.WRONG_WALLET');
      const bumped: SealedKey = { ...created.sealedKey, context: { ...created.sealedKey.context, version: '2' } };
      await refusal(s.enclave(signRequest(bumped, signed)), 'ENCLAVE.UNSEAL_FAILED');
    });

    it('refuses a sealed key whose ciphertext was altered (UNSEAL_FAILED)', async () => {
      const s = setup();
      const created = await createKey(s);
      const signed = await signedProof(created.address);
      const body = Buffer.from(created.sealedKey.ciphertext, 'base64');
      body.writeUInt8(body.readUInt8(0) ^ 1, 0);
      const altered: SealedKey = { ...created.sealedKey, ciphertext: body.toString('base64') };
      await refusal(s.enclave(signRequest(altered, signed)), 'ENCLAVE.UNSEAL_FAILED');
    });

    it("refuses a sealed key whose address was edited (ADDRESS_MISMATCH), whether or not the proof's from follows it", async () => {
      const s = setup();
      const created = await createKey(s);
      const victim = newAccount().address;
      const edited: SealedKey = { ...created.sealedKey, address: victim };
      // The proof names the real key's address: refused before unsealing.
      await refusal(s.enclave(signRequest(edited, await signedProof(created.address))), 'ENCLAVE.ADDRESS_MISMATCH');
      // The proof names the edited address: the unsealed key is not that address.
      await refusal(s.enclave(signRequest(edited, await signedProof(victim))), 'ENCLAVE.ADDRESS_MISMATCH');
    });

    it('refuses a ciphertext of another key of the same wallet swapped in under the same context (ADDRESS_MISMATCH)', async () => {
      const s = setup();
      const first = await createKey(s);
      const second = await createKey(s); // the same wallet and version: a second create that was never registered
      const swapped: SealedKey = { ...second.sealedKey, address: first.address };
      await refusal(s.enclave(signRequest(swapped, await signedProof(first.address))), 'ENCLAVE.ADDRESS_MISMATCH');
    });

    it('refuses a request carrying a bare digest (BAD_REQUEST), whatever else it holds', async () => {
      const s = setup();
      const created = await createKey(s);
      const request = {
        ...signRequest(created.sealedKey, await signedProof(created.address)),
        digest: `0x${'11'.repeat(32)}`,
      };
      await refusal(s.enclave(request as EnclaveRequest), 'ENCLAVE.BAD_REQUEST');
      const swapKey = {
        ...signRequest(created.sealedKey, await signedProof(created.address)),
        approvalKeyAddress: created.address,
      };
      await refusal(s.enclave(swapKey as EnclaveRequest), 'ENCLAVE.BAD_REQUEST');
      expect(s.kms.requests.map((r) => r.operation)).toEqual(['GenerateDataKey']);
    });

    it('reports KMS unavailable while unsealing as KMS_UNAVAILABLE', async () => {
      const s = setup();
      const created = await createKey(s);
      s.kms.unavailable = true;
      await refusal(
        s.enclave(signRequest(created.sealedKey, await signedProof(created.address))),
        'ENCLAVE.KMS_UNAVAILABLE',
      );
    });
  });

  describe('rotateAgentKey', () => {
    it('makes a new key and address at the next version, attested the same way, and it signs', async () => {
      const s = setup();
      const first = await createKey(s);
      const rotated = await s.enclave({
        op: 'rotateAgentKey',
        walletId: WALLET,
        current: first.sealedKey,
        credentials,
      });
      if (rotated.op !== 'rotateAgentKey') throw new Error('not a rotation');
      expect(rotated.address).not.toBe(first.address);
      expect(rotated.sealedKey.context).toEqual({ ...first.sealedKey.context, version: '2' });
      expect(readFakeDocument(Buffer.from(rotated.attestation, 'base64')).userData).toBe(
        Buffer.from(agentKeyUserData(DOMAIN.deploymentId, WALLET, rotated.address)).toString('hex'),
      );
      const result = await s.enclave(signRequest(rotated.sealedKey, await signedProof(rotated.address)));
      expect(result.op).toBe('sign');
    });

    it("refuses to rotate another wallet's key (WRONG_WALLET)", async () => {
      const s = setup();
      const other = await createKey(s, 'wallet-other');
      await refusal(
        s.enclave({ op: 'rotateAgentKey', walletId: WALLET, current: other.sealedKey, credentials }),
        'ENCLAVE.WRONG_WALLET',
      );
    });
  });

  it('never puts a key it made into a refusal', async () => {
    const s = setup();
    const created = await createKey(s);
    const signed = await signedProof(created.address);
    const messages: string[] = [];
    for (const request of [
      signRequest(created.sealedKey, signed, { transferId: 'tr_x' }),
      signRequest({ ...created.sealedKey, address: newAccount().address }, signed),
      signRequest({ ...created.sealedKey, context: { ...created.sealedKey.context, version: '3' } }, signed),
    ]) {
      messages.push(
        await s.enclave(request).then(
          () => '',
          (e: Error) => e.message,
        ),
      );
    }
    const secret = s.nsm.copies.find((bytes) => bytes.length === 32)!.toString('hex');
    expect(messages.every((m) => m.length > 0 && !m.toLowerCase().includes(secret))).toBe(true);
  });
});
