import { parseAddress } from '../address';
import { IllegalTransitionError, StrongroomError } from '../errors';
import type { WalletStatus as PolicyWalletStatus } from '../policy/policy';
import { restorePolicy } from '../policy/restore-policy';
import type { WalletEvent, WalletEventOf, WalletEventType } from './wallet-events';
import type { SealedPurpose } from './sealed-agent-key';
import { KEY_SCHEMES, RECOVERY_PUBLIC_KEY_PATTERN, type KeyScheme, type Wallet, type WalletStatus } from './wallet';

type ChangeType = Exclude<WalletEventType, 'WALLET_CREATED'>;

interface Transition<T extends ChangeType> {
  /** The statuses the event may be appended in. */
  readonly from: readonly WalletStatus[];
  /** Why the event is refused even in an allowed status; undefined when it is allowed. */
  readonly guard?: (wallet: Wallet, event: WalletEventOf<T>) => string | undefined;
  /** What the event changes. */
  readonly reduce: (wallet: Wallet, event: WalletEventOf<T>) => Partial<Wallet>;
}

const EVERY_STATUS: readonly WalletStatus[] = ['ACTIVE', 'FROZEN', 'LOCKED_DOWN'];

const statusChange = (event: WalletEventOf<'FROZEN' | 'UNFROZEN' | 'LOCKED_DOWN' | 'KEY_ROTATED' | 'KEY_REVOKED'>) => ({
  by: event.actor,
  reason: event.data.reason,
  at: event.at,
});

/**
 * The wallet lifecycle as a transition table. A policy may be set in any status (setting one moves
 * no funds, and a frozen wallet is where a policy gets fixed); LOCKED_DOWN is final for the status.
 * Anything not in the table is an illegal transition.
 */
const TRANSITIONS: { readonly [T in ChangeType]: Transition<T> } = {
  POLICY_SET: {
    from: EVERY_STATUS,
    guard: (w, e) => {
      const next = (w.policy?.version ?? 0) + 1;
      return e.data.version === next ? undefined : `the next policy version is ${next}, not ${e.data.version}`;
    },
    reduce: (w, e) => ({ policy: restoreVersion(e), ...appliedChange(w, e.data.changeId) }),
  },
  FROZEN: { from: ['ACTIVE'], reduce: (_w, e) => ({ status: 'FROZEN', frozen: statusChange(e) }) },
  UNFROZEN: {
    from: ['FROZEN'],
    reduce: (w, e) => ({ status: 'ACTIVE', frozen: undefined, ...appliedChange(w, e.data.changeId) }),
  },
  LOCKED_DOWN: {
    from: ['ACTIVE', 'FROZEN'],
    reduce: (_w, e) => ({ status: 'LOCKED_DOWN', frozen: undefined, lockedDown: statusChange(e) }),
  },
  KEY_ROTATED: {
    from: ['ACTIVE', 'FROZEN'],
    guard: (w, e) => {
      if (w.keyRevoked !== undefined) return 'its key is revoked';
      if (w.rotatedTo !== undefined) return `its key was rotated already, to wallet ${w.rotatedTo.walletId}`;
      return e.data.successorWalletId === w.id ? 'a wallet cannot succeed itself' : undefined;
    },
    reduce: (w, e) => ({
      rotatedTo: { ...statusChange(e), walletId: e.data.successorWalletId, address: e.data.successorAddress },
      ...appliedChange(w, e.data.changeId),
    }),
  },
  KEY_REVOKED: {
    from: EVERY_STATUS,
    guard: (w) => (w.keyRevoked !== undefined ? 'its key is revoked already' : undefined),
    reduce: (w, e) => ({ keyRevoked: statusChange(e), ...appliedChange(w, e.data.changeId) }),
  },
};

const appliedChange = (wallet: Wallet, changeId: string | undefined): Partial<Wallet> =>
  changeId === undefined ? {} : { appliedChangeIds: [...(wallet.appliedChangeIds ?? []), changeId] };

/** Whether `event` may follow `wallet`; the reason when it may not. */
export function walletTransitionRefusal(wallet: Wallet, event: WalletEvent): string | undefined {
  if (event.type === 'WALLET_CREATED') return 'a wallet is created once';
  const transition = TRANSITIONS[event.type] as Transition<ChangeType>;
  if (!transition.from.includes(wallet.status)) return `not allowed in status ${wallet.status}`;
  return transition.guard?.(wallet, event as never);
}

/**
 * Applies one event to a wallet. The first event must be WALLET_CREATED with seq 1; each next one
 * carries the next seq. An event the table does not allow throws {@link IllegalTransitionError}.
 */
export function applyWalletEvent(wallet: Wallet | undefined, event: WalletEvent): Wallet {
  if (wallet === undefined) return created(event);
  if (event.walletId !== wallet.id)
    throw invalidEvent(`event for wallet ${event.walletId} applied to ${wallet.id}`, event);
  if (event.seq !== wallet.version + 1)
    throw invalidEvent(`expected seq ${wallet.version + 1}, got ${event.seq}`, event);
  const refusal = walletTransitionRefusal(wallet, event);
  if (refusal !== undefined) {
    throw new IllegalTransitionError(
      'LIFECYCLE.ILLEGAL_TRANSITION',
      `${event.type} refused for wallet ${wallet.id}: ${refusal}`,
      {
        details: { walletId: wallet.id, status: wallet.status, event: event.type, reason: refusal },
      },
    );
  }
  const transition = TRANSITIONS[event.type as ChangeType] as Transition<ChangeType>;
  const next: Wallet = {
    ...wallet,
    ...transition.reduce(wallet, event as never),
    version: event.seq,
    updatedAt: event.at,
  };
  // Cleared fields are dropped rather than kept as `undefined`, so a fold equals a fresh read.
  return Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) as unknown as Wallet;
}

/** The wallet from its whole event stream, in order. */
export function foldWalletEvents(events: readonly WalletEvent[]): Wallet {
  let wallet: Wallet | undefined;
  for (const event of events) wallet = applyWalletEvent(wallet, event);
  if (wallet === undefined)
    throw new StrongroomError('LIFECYCLE.INVALID_EVENT', 'a wallet has at least its WALLET_CREATED event');
  return wallet;
}

/** Only an ACTIVE wallet whose key is not revoked may move funds (a rotated one only to its successor). */
export const isSpendable = (wallet: Wallet): boolean => wallet.status === 'ACTIVE' && wallet.keyRevoked === undefined;

/** The wallet's status as policy evaluation names it. */
export function policyWalletStatus(status: WalletStatus): PolicyWalletStatus {
  return status === 'LOCKED_DOWN' ? 'LOCKED' : status;
}

function created(event: WalletEvent): Wallet {
  if (event.type !== 'WALLET_CREATED' || event.seq !== 1)
    throw invalidEvent('a wallet stream starts with WALLET_CREATED at seq 1', event);
  const d = event.data;
  if (
    d.name.length === 0 ||
    !Number.isSafeInteger(d.chainId) ||
    d.chainId <= 0 ||
    !KEY_SCHEMES.includes(d.keyScheme) ||
    d.keyId.length === 0
  ) {
    throw invalidEvent('WALLET_CREATED needs a name, a positive chain id, a known key scheme and a key id', event);
  }
  let address: Wallet['address'];
  try {
    address = parseAddress(d.address, 'address');
  } catch (error) {
    throw invalidEvent(`WALLET_CREATED carries an invalid address: ${(error as Error).message}`, event, error);
  }
  const refusal = keyMaterialRefusal(event as WalletEventOf<'WALLET_CREATED'>, address);
  if (refusal !== undefined) throw invalidEvent(`WALLET_CREATED of a ${d.keyScheme} wallet: ${refusal}`, event);
  const { sealedKey, keyShares } = d;
  return {
    id: event.walletId,
    name: d.name,
    chainId: d.chainId,
    keyScheme: d.keyScheme,
    keyId: d.keyId,
    address,
    ...(sealedKey === undefined ? {} : { sealedKey }),
    ...(keyShares === undefined
      ? {}
      : { keyShares: { epoch: keyShares.epoch, recoveryPublicKey: keyShares.recoveryPublicKey } }),
    status: 'ACTIVE',
    createdAt: event.at,
    createdBy: event.actor,
    updatedAt: event.at,
    version: 1,
  };
}

/** The sealed record's purpose each scheme signs with; a kms wallet has none. */
const SEALED_PURPOSE: { readonly [S in KeyScheme]: SealedPurpose | undefined } = {
  kms: undefined,
  enclave: 'agent-key',
  mpc: 'key-share',
};

/** An epoch, as the co-signer's store takes it: a positive whole number of at most 9 digits. */
const EPOCH = /^[1-9][0-9]{0,8}$/;

/**
 * Why a WALLET_CREATED's key material does not fit its scheme, or undefined: an enclave wallet carries
 * its key sealed as an agent key, an mpc wallet its share 1 sealed as a key share with the shares'
 * epoch as its version, its recovery public key and its attestation's digest; each sealed for this
 * wallet and address, and no scheme carries another's (an enclave wallet never a share, an mpc wallet
 * never a whole key, a kms wallet neither).
 */
function keyMaterialRefusal(event: WalletEventOf<'WALLET_CREATED'>, address: Wallet['address']): string | undefined {
  const { keyScheme, sealedKey, keyShares, attestationSha256 } = event.data;
  const purpose = SEALED_PURPOSE[keyScheme];
  if (purpose === undefined) {
    if (sealedKey !== undefined) return 'it carries a sealed key, which only enclave and mpc wallets have';
  } else {
    if (sealedKey === undefined) return `it carries no sealed ${purpose}`;
    if (sealedKey.context.purpose !== purpose)
      return `it carries a sealed ${sealedKey.context.purpose}, not a sealed ${purpose}`;
    if (sealedKey.context.walletId !== event.walletId || sealedKey.address.toLowerCase() !== address.toLowerCase())
      return `its sealed ${purpose} is sealed for another wallet or address`;
  }
  if (keyScheme !== 'mpc')
    return keyShares === undefined ? undefined : 'it carries key shares, which only mpc wallets have';
  if (keyShares === undefined) return 'it carries no key shares (epoch and recovery public key)';
  if (!EPOCH.test(keyShares.epoch)) return `its epoch ${keyShares.epoch} is not a positive whole number`;
  if (sealedKey?.context.version !== keyShares.epoch)
    return `its sealed share 1 is of version ${sealedKey?.context.version}, not of epoch ${keyShares.epoch}`;
  if (typeof keyShares.recoveryPublicKey !== 'string' || !RECOVERY_PUBLIC_KEY_PATTERN.test(keyShares.recoveryPublicKey))
    return 'its recovery public key is not 32 bytes in base64url';
  if (attestationSha256 === undefined) return 'it carries no digest of the attestation that vouched for it';
  return undefined;
}

/** The stored policy, read back; its own version must be the event's. */
function restoreVersion(event: WalletEventOf<'POLICY_SET'>) {
  let policy;
  try {
    policy = restorePolicy(event.data.policy);
  } catch (error) {
    throw invalidEvent(`POLICY_SET carries a policy that does not parse: ${(error as Error).message}`, event, error);
  }
  if (policy.version !== event.data.version)
    throw invalidEvent(`the policy says version ${policy.version}, the event ${event.data.version}`, event);
  return policy;
}

function invalidEvent(message: string, event: WalletEvent, cause?: unknown): StrongroomError {
  return new StrongroomError('LIFECYCLE.INVALID_EVENT', message, {
    details: { walletId: event.walletId, seq: event.seq, event: event.type },
    cause,
  });
}
