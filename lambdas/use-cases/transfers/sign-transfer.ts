import type { Hex } from 'viem';
import { sameAddress } from '../../domain/address';
import { SigningError, TransferHaltedError } from '../../domain/errors';
import { hashAuthorization } from '../../domain/proof/authorization-proof';
import { proofFromJson } from '../../domain/proof/proof-json';
import { verifyAuthorizationProof } from '../../domain/proof/verify-authorization-proof';
import { signCustodyTransaction } from '../../signing/custody-transaction-signer';
import { loadWallet } from './load-wallet';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { auditEntry } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type SignTransferDeps = Pick<
  TransferDeps,
  'events' | 'wallets' | 'keyVault' | 'approvalKeyAddress' | 'deploymentId' | 'audit' | 'clock'
>;

const ACTOR = 'workflow:sign-kms';

/**
 * Sign with a KMS (or local vault) custody key (ARCHITECTURE.md §4.6). The proof from Authorize is
 * verified against what this transfer recorded before anything is written: a missing, altered or
 * expired proof, or a key that is not the wallet's, fails here with no signing attempt, so
 * compensation may release the funds. Then SIGNING_REQUESTED is recorded (from here on a signature
 * may exist and funds are never released on a guess), the custody signer rebuilds the transaction
 * from the proof and signs, and the signed bytes are recorded.
 */
export function signTransfer(
  deps: SignTransferDeps,
  input: StepInput & { readonly proof: unknown; readonly signature: unknown },
): Promise<StepOutput<{ attempt: number; txHash: Hex }>> {
  return runTransferStep(deps.events, input, (state) => sign(deps, input, state));
}

async function sign(
  deps: SignTransferDeps,
  input: { readonly proof: unknown; readonly signature: unknown },
  loaded: TransferState,
): Promise<{ result: { attempt: number; txHash: Hex }; state: TransferState }> {
  let state = loaded;
  const wallet = await loadWallet(deps.wallets, state.walletId);
  const proof = proofFromJson(input.proof);
  const transaction = state.authorizedTransaction;
  if (transaction === undefined || state.proofId === undefined)
    throw new TransferHaltedError('TRANSFER.NOT_AUTHORIZED', `transfer ${state.id} has no authorized transaction`);
  const proofId = hashAuthorization({ deploymentId: deps.deploymentId, chainId: proof.transaction.chainId }, proof);
  const done = state.attempts.find((a) => a.proofId === proofId && a.txHash !== undefined);
  if (done?.txHash !== undefined) return { result: { attempt: done.attempt, txHash: done.txHash }, state };
  if (proofId !== state.proofId)
    throw new TransferHaltedError(
      'TRANSFER.NOT_AUTHORIZED',
      'the proof is not the one this transfer was last authorized with',
    );

  const domain = { deploymentId: deps.deploymentId, chainId: transaction.chainId };
  await verifyAuthorizationProof({
    domain,
    proof,
    signature: input.signature,
    expectedSigner: deps.approvalKeyAddress,
    transaction,
    transferId: state.id,
    walletId: wallet.id,
    now: deps.clock(),
  });
  const keyAddress = await deps.keyVault.addressOf(wallet.keyId);
  if (!sameAddress(keyAddress, transaction.from)) {
    throw new SigningError(
      'SIGNER.ADDRESS_MISMATCH',
      `the wallet's key is ${keyAddress}, not the transaction's from ${transaction.from}`,
    );
  }

  let attempt = state.attempts.find((a) => a.proofId === proofId)?.attempt;
  if (attempt === undefined) {
    attempt = state.attempts.length + 1;
    state = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, deps.clock(), [
        { type: 'SIGNING_REQUESTED', data: { attempt, proofId, keyScheme: wallet.keyScheme } },
      ]),
    );
  }
  const signed = await signCustodyTransaction(
    { keyVault: deps.keyVault, proofDomain: domain, approvalKeyAddress: deps.approvalKeyAddress, clock: deps.clock },
    {
      transferId: state.id,
      walletId: wallet.id,
      keyId: wallet.keyId,
      transaction,
      proof,
      proofSignature: input.signature,
    },
  );
  const at = deps.clock();
  const next = await deps.events.append(
    state,
    eventsAfter(state, ACTOR, at, [
      {
        type: 'SIGNED',
        data: { attempt, txHash: signed.txHash, rawTransaction: signed.serializedTransaction, transaction },
      },
    ]),
    {
      audit: auditEntry({
        traceId: state.traceId,
        actor: ACTOR,
        action: 'SIGNED',
        inputs: { proofId, keyId: wallet.keyId },
        result: `attempt ${attempt}: ${signed.txHash}`,
        at,
      }),
    },
  );
  return { result: { attempt, txHash: signed.txHash }, state: next };
}
