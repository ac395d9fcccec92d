import { keccak256, parseTransaction, serializeTransaction, type Hex } from 'viem';
import { verifySignedTransaction } from '../../../lambdas/signing/verify-signed-transaction';
import { unsignedTransactionFromProof } from '../../../lambdas/domain/proof/unsigned-transaction-from-proof';
import { highSTwin, newAccount, sampleProof } from '../domain/proof/proof-fixtures';

/**
 * What the workflow accepts back from the enclave (through an untrusted host and queue): exactly the
 * proof's transaction, one canonical signature by the wallet's key, and its hash.
 */
const wallet = newAccount();
const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, from: wallet.address } };

async function signedBy(account = wallet, tx = unsignedTransactionFromProof(proof)) {
  const serializedTransaction = await account.signTransaction(tx);
  return { serializedTransaction, txHash: keccak256(serializedTransaction) };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  );

describe('verifySignedTransaction', () => {
  it("accepts the proof's transaction signed by the wallet's key", async () => {
    const signed = await signedBy();
    await expect(verifySignedTransaction({ proof, from: wallet.address, ...signed })).resolves.toEqual(signed);
  });

  it('refuses another transaction, another signer, a wrong hash, a high-s twin and garbage', async () => {
    const good = await signedBy();
    const otherTx = await signedBy(wallet, { ...unsignedTransactionFromProof(proof), value: 1n });
    const otherSigner = await signedBy(newAccount());
    const parsed = good.serializedTransaction;
    // The same transaction with the malleable twin of its signature (s → n − s, parity flipped).
    const p = parseTransaction(parsed);
    const twinSig = highSTwin(
      `0x${(p.r as Hex).slice(2).padStart(64, '0')}${(p.s as Hex).slice(2).padStart(64, '0')}${p.yParity === 0 ? '1b' : '1c'}`,
    );
    const twin = serializeTransaction(unsignedTransactionFromProof(proof), {
      r: `0x${twinSig.slice(2, 66)}`,
      s: `0x${twinSig.slice(66, 130)}`,
      yParity: twinSig.endsWith('1b') ? 0 : 1,
    });
    const cases = [
      otherTx,
      otherSigner,
      { ...good, txHash: keccak256('0x00') },
      { serializedTransaction: twin, txHash: keccak256(twin) },
      { serializedTransaction: '0xzz', txHash: good.txHash },
      { serializedTransaction: undefined, txHash: undefined },
    ];
    for (const signed of cases)
      expect(await refusal(verifySignedTransaction({ proof, from: wallet.address, ...signed }))).toBe(
        'SIGNER.SIGNATURE_MISMATCH',
      );
  });
});
