import type { Hex } from 'viem';
import { sameAddress } from '../../domain/address';
import { SigningError, TransferHaltedError } from '../../domain/errors';
import { hashAuthorization } from '../../domain/proof/authorization-proof';
import { proofFromJson } from '../../domain/proof/proof-json';
import { verifyAuthorizationProof } from '../../domain/proof/verify-authorization-proof';
import { signCustodyTransaction } from '../../signing/custody-transaction-signer';
import { loadWallet } from './load-wallet';
import type { AuthorizationProof } from '../../domain/proof/authorization-proof';
import type { ProofDomain } from '../../domain/proof/proof-domain';
import type { PreparedTransaction } from '../../domain/lifecycle/transfer-events';
import type { KeyScheme, Wallet } from '../../domain/wallets/wallet';
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
  const authorized = await authorizedSigning(deps, input, loaded);
  if ('done' in authorized) return { result: authorized.done, state: loaded };
  const { wallet, proof, proofId, transaction, domain } = authorized;
  refuseRevokedKey(wallet);
  if (wallet.keyScheme !== 'kms')
    throw new SigningError(
      'SIGNER.FORBIDDEN_PAYLOAD',
      `wallet ${wallet.id} is an ${wallet.keyScheme} wallet: KMS never signs for it`,
    );
  const keyAddress = await deps.keyVault.addressOf(wallet.keyId);
  if (!sameAddress(keyAddress, transaction.from)) {
    throw new SigningError(
      'SIGNER.ADDRESS_MISMATCH',
      `the wallet's key is ${keyAddress}, not the transaction's from ${transaction.from}`,
    );
  }
  const requested = await recordSigningRequested(deps, loaded, { proofId, keyScheme: wallet.keyScheme, actor: ACTOR });
  let state = requested.state;
  const { attempt } = requested;
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
  state = await recordSigned(deps, state, {
    actor: ACTOR,
    attempt,
    proofId,
    keyId: wallet.keyId,
    transaction,
    signed: { txHash: signed.txHash, serializedTransaction: signed.serializedTransaction },
  });
  return { result: { attempt, txHash: signed.txHash }, state };
}

/** What every signer establishes before a signature may exist: the wallet, and the proof verified against the transfer. */
export type AuthorizedSigning =
  | { readonly done: { readonly attempt: number; readonly txHash: Hex } }
  | {
      readonly wallet: Wallet;
      readonly proof: AuthorizationProof;
      readonly proofId: Hex;
      readonly transaction: PreparedTransaction;
      readonly domain: ProofDomain;
    };

/**
 * The checks before anything is written, whatever the signer: the proof is the one this transfer was
 * last authorized with, signed by the approval key for exactly its transaction, transfer and wallet,
 * and not expired. `done` when that proof's transaction is signed already (a retried step).
 */
export async function authorizedSigning(
  deps: Pick<SignTransferDeps, 'wallets' | 'approvalKeyAddress' | 'deploymentId' | 'clock'>,
  input: { readonly proof: unknown; readonly signature: unknown },
  state: TransferState,
): Promise<AuthorizedSigning> {
  const wallet = await loadWallet(deps.wallets, state.walletId);
  const proof = proofFromJson(input.proof);
  const transaction = state.authorizedTransaction;
  if (transaction === undefined || state.proofId === undefined)
    throw new TransferHaltedError('TRANSFER.NOT_AUTHORIZED', `transfer ${state.id} has no authorized transaction`);
  const proofId = hashAuthorization({ deploymentId: deps.deploymentId, chainId: proof.transaction.chainId }, proof);
  const done = state.attempts.find((a) => a.proofId === proofId && a.txHash !== undefined);
  if (done?.txHash !== undefined) return { done: { attempt: done.attempt, txHash: done.txHash } };
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
  return { wallet, proof, proofId, transaction, domain };
}

/**
 * A revoked key signs nothing more: refused before SIGNING_REQUESTED, so no signature can exist and
 * compensation releases the funds. (What a signer returned for a request made before the revocation is
 * still recorded: that signature exists.)
 */
export function refuseRevokedKey(wallet: Wallet): void {
  if (wallet.keyRevoked !== undefined)
    throw new SigningError(
      'WALLET.KEY_REVOKED',
      `wallet ${wallet.id}'s key was revoked at ${wallet.keyRevoked.at.toISOString()}`,
    );
}

/**
 * Records SIGNING_REQUESTED for the proof (once per proof: a retried step finds its attempt). From
 * here on a signature may exist, and funds are never released on a guess.
 */
export async function recordSigningRequested(
  deps: Pick<SignTransferDeps, 'events' | 'clock'>,
  state: TransferState,
  input: { readonly proofId: Hex; readonly keyScheme: KeyScheme; readonly actor: string },
): Promise<{ readonly attempt: number; readonly state: TransferState }> {
  const existing = state.attempts.find((a) => a.proofId === input.proofId)?.attempt;
  if (existing !== undefined) return { attempt: existing, state };
  const attempt = state.attempts.length + 1;
  const next = await deps.events.append(
    state,
    eventsAfter(state, input.actor, deps.clock(), [
      { type: 'SIGNING_REQUESTED', data: { attempt, proofId: input.proofId, keyScheme: input.keyScheme } },
    ]),
  );
  return { attempt, state: next };
}

/** Records the signed bytes of an attempt, audited. */
export async function recordSigned(
  deps: Pick<SignTransferDeps, 'events' | 'clock'>,
  state: TransferState,
  input: {
    readonly actor: string;
    readonly attempt: number;
    readonly proofId: Hex;
    readonly keyId: string;
    readonly transaction: PreparedTransaction;
    readonly signed: { readonly txHash: Hex; readonly serializedTransaction: Hex };
  },
): Promise<TransferState> {
  const at = deps.clock();
  const { attempt, signed } = input;
  return deps.events.append(
    state,
    eventsAfter(state, input.actor, at, [
      {
        type: 'SIGNED',
        data: {
          attempt,
          txHash: signed.txHash,
          rawTransaction: signed.serializedTransaction,
          transaction: input.transaction,
        },
      },
    ]),
    {
      audit: auditEntry({
        traceId: state.traceId,
        actor: input.actor,
        action: 'SIGNED',
        inputs: { proofId: input.proofId, keyId: input.keyId },
        result: `attempt ${attempt}: ${signed.txHash}`,
        at,
      }),
    },
  );
}
