import type { Address } from '../address';
import type { PolicyJson } from '../policy/parse-policy';
import type { Hex } from 'viem';
import type { WalletSealedKey } from './sealed-agent-key';
import type { KeyScheme, KeyShares } from './wallet';

/** The payload of every wallet event type, by type. */
export interface WalletEventData {
  WALLET_CREATED: {
    readonly name: string;
    readonly chainId: number;
    readonly keyScheme: KeyScheme;
    readonly keyId: string;
    readonly address: Address;
    /**
     * What the enclave opens to sign: an enclave wallet's sealed key (purpose 'agent-key'), an mpc
     * wallet's sealed share 1 (purpose 'key-share', version = the epoch); a kms wallet has none.
     */
    readonly sealedKey?: WalletSealedKey;
    /**
     * An mpc wallet's (and only an mpc wallet's): the shares' epoch and the customer's recovery public
     * key, both public. Share 2 is the co-signer's; share 3 went to the customer once, encrypted to that
     * key, and is never in an event.
     */
    readonly keyShares?: KeyShares;
    /** SHA-256 of the attestation document that vouched for an enclave or mpc wallet's address, verified before this event. */
    readonly attestationSha256?: Hex;
  };
  /** A new policy, in its JSON form (`serializePolicy`); `version` is the one after the current policy's. */
  /** `changeId`: the governance change that set it, when one did (a weakening policy). */
  POLICY_SET: { readonly policy: PolicyJson; readonly version: number; readonly changeId?: string };
  FROZEN: { readonly reason: string };
  UNFROZEN: { readonly reason: string; readonly changeId?: string };
  LOCKED_DOWN: { readonly reason: string };
  /**
   * The wallet's key is being replaced: a successor wallet (a new key, a new address, the same scheme,
   * chain and policy) receives the funds, by transfers that go through this wallet's policy like any
   * other. From here on this wallet sends only to its successor.
   */
  KEY_ROTATED: {
    readonly successorWalletId: string;
    readonly successorAddress: Address;
    readonly reason: string;
    readonly changeId?: string;
  };
  /** The wallet's key signs nothing more, ever: no transfer is accepted, and a signer refuses before signing. */
  KEY_REVOKED: { readonly reason: string; readonly changeId?: string };
}

export type WalletEventType = keyof WalletEventData;

/** One appended event of a wallet's stream; `seq` starts at 1 and has no gaps. */
export type WalletEvent = {
  [T in WalletEventType]: {
    readonly walletId: string;
    readonly seq: number;
    readonly type: T;
    readonly at: Date;
    readonly actor: string;
    readonly data: WalletEventData[T];
  };
}[WalletEventType];

export type WalletEventOf<T extends WalletEventType> = Extract<WalletEvent, { type: T }>;
