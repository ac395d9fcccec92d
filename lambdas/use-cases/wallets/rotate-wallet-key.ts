import type { CoSignerRetireAnswer, HpkeSealed } from '../../../enclave-host/contract';
import { NATIVE, type Asset } from '../../domain/asset';
import { IllegalTransitionError, StrongroomError } from '../../domain/errors';
import { parseReason } from '../../domain/parse-reason';
import { serializePolicy } from '../../domain/policy/parse-policy';
import type { Principal } from '../../domain/principal';
import type { Wallet } from '../../domain/wallets/wallet';
import type { GovernanceDeps } from '../governance/governance-deps';
import { proposeOrApply, type GovernedOutcome } from '../governed-changes/propose-or-apply';
import { registryTraceId } from '../registry-trace-id';
import { loadWallet } from '../transfers/load-wallet';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';
import { createWallet, type CreateWalletDeps } from './create-wallet';
import { writePolicy } from './set-policy';

export type RotateWalletKeyDeps = CreateWalletDeps &
  Pick<TransferDeps, 'ledger'> &
  Pick<GovernanceDeps, 'governance' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'>;

export type RevokeWalletKeyDeps = Pick<TransferDeps, 'wallets' | 'ledger' | 'chains' | 'coSigner' | 'audit' | 'clock'> &
  Pick<GovernanceDeps, 'governance' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'>;

/** What a ROTATE_KEY change carries: the successor made when it was proposed, and why. */
export interface RotateKeyPayload {
  readonly successorWalletId: string;
  readonly successorAddress: string;
  readonly reason: string;
}

/** What a REVOKE_KEY change carries. */
export interface RevokeKeyPayload {
  readonly reason: string;
}

export interface RotatedWallet {
  readonly id: string;
  readonly rotatedTo: { readonly walletId: string; readonly address: string };
}

/**
 * What the co-signer did with a revoked mpc wallet's share 2: retired it now (or before), knew no share
 * of that epoch, or could not be reached (`unavailable`: the revocation stands regardless, since every
 * signing step refuses a revoked key before a job reaches the enclave host; sending revoke-key again retries it).
 */
export type CoSignerRetirement = CoSignerRetireAnswer['outcome'] | 'unavailable';

export interface RevokedWallet {
  readonly id: string;
  readonly keyRevokedAt: string;
  /** mpc wallets only: what became of the co-signer's share (see {@link CoSignerRetirement}). */
  readonly coSignerShare?: CoSignerRetirement;
}

/**
 * An mpc wallet's rotation: share 3 of the successor's key, encrypted to the rotated wallet's recovery
 * public key, as `CreatedWallet.recoveryShare` is: in the answer of the request that made the successor
 * only (`successorRecoveryShareReturned: false` on a retry, which finds the successor made already).
 */
export interface SuccessorRecoveryShare {
  readonly successorRecoveryShare?: HpkeSealed;
  readonly successorRecoveryShareReturned: boolean;
}

/** The governed outcome of a rotation, and for an mpc wallet the successor's share 3 beside it. */
export type KeyRotationOutcome = GovernedOutcome<RotatedWallet> & { readonly recovery?: SuccessorRecoveryShare };

/**
 * Rotates a wallet's key (`POST /v1/wallets/{id}/rotate-key`, body `{reason}`). A key cannot be
 * replaced under an address (the address is the key), so rotation makes a **successor**: a new wallet
 * with a new key of the same scheme (for `enclave`, made and attested inside the enclave; for `mpc`, a
 * new key split 2-of-3 at epoch 1 of the successor, its share 2 registered with the co-signer and its
 * share 3 encrypted to the same recovery public key and returned in this answer, once), on the same
 * chain, with the same policy; the old wallet records KEY_ROTATED and from then on sends only to the
 * successor. The funds move by ordinary transfers to the successor's address, each through the old
 * wallet's policy, approvals included (the sweep is governed like any spend); once the old wallet is
 * empty, revoke its key. Re-splitting or re-sealing the same key would revoke nothing.
 *
 * The successor is made now, by this route (the one function that may create keys), so applying the
 * change later only records KEY_ROTATED; its id derives from the rotated wallet, so a retry finds it.
 * It starts with empty velocity windows, so rotating a wallet whose policy has limits could open one
 * more window of spending: that rotation is a weakening change, for governance (a successor whose
 * change is vetoed stays empty and may be revoked). Without limits it applies at once (audited).
 */
export async function rotateWalletKey(
  deps: RotateWalletKeyDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<KeyRotationOutcome> {
  const reason = parseReason(request.body, { required: true });
  const wallet = await loadWallet(deps.wallets, request.walletId);
  refuseIfRetired(wallet, 'KEY_ROTATED');
  const successor = await createWallet(deps, {
    principal: request.principal,
    body: { name: successorName(wallet.name), chainId: wallet.chainId, ...successorKeyScheme(wallet) },
    idempotencyKey: `rotation-of-${wallet.id}`,
  });
  if (wallet.policy !== undefined && (await loadWallet(deps.wallets, successor.id)).policy === undefined)
    await writePolicy(deps, {
      walletId: successor.id,
      actor: request.principal.id,
      payload: { policy: serializePolicy(wallet.policy), baseVersion: 0 },
    });
  const payload: RotateKeyPayload = { successorWalletId: successor.id, successorAddress: successor.address, reason };
  const limits = wallet.policy === undefined ? {} : (serializePolicy(wallet.policy).limits ?? {});
  const weakening =
    Object.keys(limits).length > 0
      ? [
          `moves the wallet's funds to successor ${successor.id}, whose velocity windows are empty: up to one more window of spending under limits ${Object.keys(limits).join(', ')}`,
        ]
      : [];
  const outcome = await proposeOrApply(
    deps,
    { principal: request.principal, action: { kind: 'ROTATE_KEY', subject: wallet.id, payload }, reason, weakening },
    () => applyRotation(deps, { walletId: wallet.id, actor: request.principal.id, payload }),
  );
  if (successor.recoveryShareReturned === undefined) return outcome;
  return {
    ...outcome,
    recovery: {
      ...(successor.recoveryShare === undefined ? {} : { successorRecoveryShare: successor.recoveryShare }),
      successorRecoveryShareReturned: successor.recoveryShareReturned,
    },
  };
}

/** The successor's key scheme: the rotated wallet's, and for mpc the same recovery public key. */
function successorKeyScheme(wallet: Wallet): { keyScheme: Wallet['keyScheme']; recoveryPublicKey?: string } {
  if (wallet.keyScheme !== 'mpc') return { keyScheme: wallet.keyScheme };
  if (wallet.keyShares === undefined)
    throw new StrongroomError('LIFECYCLE.INVALID_EVENT', `mpc wallet ${wallet.id} has no recovery public key`);
  return { keyScheme: 'mpc', recoveryPublicKey: wallet.keyShares.recoveryPublicKey };
}

/** KEY_ROTATED on the rotated wallet, naming the successor made at proposal. With a change id, a second application is a no-op. */
export async function applyRotation(
  deps: Pick<TransferDeps, 'wallets' | 'audit' | 'clock'>,
  request: {
    readonly walletId: string;
    readonly actor: string;
    readonly payload: RotateKeyPayload;
    readonly changeId?: string;
  },
): Promise<RotatedWallet> {
  const { payload, changeId } = request;
  const current = await loadWallet(deps.wallets, request.walletId);
  if (current.rotatedTo?.walletId === payload.successorWalletId) return rotatedOf(current);
  refuseIfRetired(current, 'KEY_ROTATED');
  const successor = await loadWallet(deps.wallets, payload.successorWalletId);
  if (
    successor.chainId !== current.chainId ||
    successor.keyScheme !== current.keyScheme ||
    successor.address.toLowerCase() !== payload.successorAddress.toLowerCase()
  )
    throw new IllegalTransitionError(
      'LIFECYCLE.ILLEGAL_TRANSITION',
      `wallet ${successor.id} is not a successor of ${current.id} (chain, key scheme or address differ)`,
      { details: { walletId: current.id, event: 'KEY_ROTATED', reason: 'not a successor' } },
    );
  const at = deps.clock();
  const rotated = await changeWallet(deps.wallets, { walletId: current.id, actor: request.actor, at }, () => ({
    type: 'KEY_ROTATED',
    data: {
      successorWalletId: successor.id,
      successorAddress: successor.address,
      reason: payload.reason,
      ...(changeId === undefined ? {} : { changeId }),
    },
  }));
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', current.id),
    actor: request.actor,
    action: 'KEY_ROTATED',
    inputs: { reason: payload.reason, ...(changeId === undefined ? {} : { changeId }) },
    result: `successor wallet ${successor.id} at ${successor.address}`,
    at,
  });
  return rotatedOf(rotated);
}

/**
 * Revokes a wallet's key (`POST /v1/wallets/{id}/revoke-key`, body `{reason}`): KEY_REVOKED, final.
 * No transfer is accepted from then on, and every signer refuses before signing (a transfer in flight
 * fails safe, its funds released). A wallet that still holds funds would strand them (only the key's
 * recovery could move them), so that revocation is a weakening change, for governance; an empty
 * wallet's (swept after a rotation) applies at once.
 */
export async function revokeWalletKey(
  deps: RevokeWalletKeyDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<GovernedOutcome<RevokedWallet>> {
  const reason = parseReason(request.body, { required: true });
  const wallet = await loadWallet(deps.wallets, request.walletId);
  if (wallet.keyRevoked !== undefined) {
    // Revoked already: refused (409). An mpc wallet's co-signer is asked again first, in case it was
    // unavailable at the revocation (retiring only ever refuses more); the refusal says what it did.
    const retired = await retireCoSignerShare(deps, wallet, wallet.keyRevoked.reason);
    refuseIfRetired(wallet, 'KEY_REVOKED', retired === undefined ? {} : { coSignerShare: retired });
  }
  const held = await heldAssets(deps, wallet);
  const payload: RevokeKeyPayload = { reason };
  return proposeOrApply(
    deps,
    {
      principal: request.principal,
      action: { kind: 'REVOKE_KEY', subject: wallet.id, payload },
      reason,
      weakening:
        held.length > 0
          ? [`revokes the key of a wallet that still holds ${held.join(', ')}: only a recovery could move those funds`]
          : [],
    },
    () => applyRevocation(deps, { walletId: wallet.id, actor: request.principal.id, payload }),
  );
}

/**
 * KEY_REVOKED, then, for an mpc wallet, the co-signer told to retire the wallet's share 2 of its epoch
 * (it never releases it again). The event comes first and stands on its own: the co-signer is a second
 * line, since every signing step refuses a revoked key (refuseRevokedKey) before any job reaches the
 * enclave host. If the co-signer cannot be reached, the answer and the audit record say so
 * (`coSignerShare: 'unavailable'`); the co-signer is asked again, idempotently, when the revocation is
 * applied again (a retried governance sweep) and when revoke-key is sent again for the revoked wallet
 * (still 409, with `coSignerShare` in its details).
 */
export async function applyRevocation(
  deps: Pick<TransferDeps, 'wallets' | 'coSigner' | 'audit' | 'clock'>,
  request: {
    readonly walletId: string;
    readonly actor: string;
    readonly payload: RevokeKeyPayload;
    readonly changeId?: string;
  },
): Promise<RevokedWallet> {
  const { payload, changeId } = request;
  const current = await loadWallet(deps.wallets, request.walletId);
  if (current.keyRevoked !== undefined && (changeId === undefined || current.appliedChangeIds?.includes(changeId))) {
    const retired = await retireCoSignerShare(deps, current, payload.reason);
    return {
      id: current.id,
      keyRevokedAt: current.keyRevoked.at.toISOString(),
      ...(retired === undefined ? {} : { coSignerShare: retired }),
    };
  }
  const at = deps.clock();
  const revoked = await changeWallet(deps.wallets, { walletId: current.id, actor: request.actor, at }, () => ({
    type: 'KEY_REVOKED',
    data: { reason: payload.reason, ...(changeId === undefined ? {} : { changeId }) },
  }));
  const retired = await retireCoSignerShare(deps, revoked, payload.reason);
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', current.id),
    actor: request.actor,
    action: 'KEY_REVOKED',
    inputs: { reason: payload.reason, ...(changeId === undefined ? {} : { changeId }) },
    result: `the key of wallet ${current.id} (${current.keyScheme}) signs nothing more${retirementNote(revoked, retired)}`,
    at,
  });
  return {
    id: revoked.id,
    keyRevokedAt: at.toISOString(),
    ...(retired === undefined ? {} : { coSignerShare: retired }),
  };
}

/** For an mpc wallet: the co-signer retires its share of the wallet's epoch; `unavailable` if it could not be asked. */
async function retireCoSignerShare(
  deps: Pick<TransferDeps, 'coSigner'>,
  wallet: Wallet,
  reason: string,
): Promise<CoSignerRetirement | undefined> {
  if (wallet.keyScheme !== 'mpc' || wallet.keyShares === undefined) return undefined;
  try {
    const answer = await deps.coSigner.retire(
      wallet.id,
      wallet.keyShares.epoch,
      `key revoked: ${reason}`.slice(0, 500),
    );
    return answer.outcome;
  } catch {
    // The port throws COSIGNER.UNAVAILABLE (or the co-signer failed): the revocation stands, and says so.
    return 'unavailable';
  }
}

function retirementNote(wallet: Wallet, retired: CoSignerRetirement | undefined): string {
  if (retired === undefined) return '';
  const epoch = wallet.keyShares?.epoch ?? '?';
  return retired === 'unavailable'
    ? `; the co-signer could not be reached to retire its share of epoch ${epoch} (send revoke-key again to retry; signing is refused before it regardless)`
    : `; the co-signer's share of epoch ${epoch}: ${retired}`;
}

/** The assets the ledger says the wallet holds or owes (settled, reserved or pending), as `amount asset`. */
async function heldAssets(deps: Pick<TransferDeps, 'ledger' | 'chains'>, wallet: Wallet): Promise<string[]> {
  const tokens = deps.chains.all().find((c) => c.config.chainId === wallet.chainId)?.config.tokens ?? [];
  const assets: Asset[] = [NATIVE, ...tokens.map((t) => t.address)];
  const held: string[] = [];
  for (const asset of assets) {
    const b = await deps.ledger.balances(wallet.id, asset);
    const amount = b.settled + b.pendingIn;
    if (amount > 0n || b.reserved > 0n || b.pendingOut > 0n) held.push(`${amount} of ${asset}`);
  }
  return held;
}

function refuseIfRetired(
  wallet: Wallet,
  event: 'KEY_ROTATED' | 'KEY_REVOKED',
  details: Readonly<Record<string, unknown>> = {},
): void {
  const why =
    wallet.keyRevoked !== undefined
      ? 'its key is revoked'
      : event === 'KEY_ROTATED' && wallet.rotatedTo !== undefined
        ? `its key was rotated already, to wallet ${wallet.rotatedTo.walletId}`
        : undefined;
  if (why !== undefined)
    throw new IllegalTransitionError('LIFECYCLE.ILLEGAL_TRANSITION', `wallet ${wallet.id}: ${why}`, {
      details: { walletId: wallet.id, status: wallet.status, event, reason: why, ...details },
    });
}

function rotatedOf(wallet: Wallet): RotatedWallet {
  if (wallet.rotatedTo === undefined) throw new Error(`wallet ${wallet.id} has no successor`);
  return { id: wallet.id, rotatedTo: { walletId: wallet.rotatedTo.walletId, address: wallet.rotatedTo.address } };
}

/** The successor's name: the rotated wallet's, marked (names are labels of at most 128 characters). */
function successorName(name: string): string {
  return `${name.slice(0, 118)} (rotated)`;
}
