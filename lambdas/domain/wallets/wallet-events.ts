import type { Address } from '../address';
import type { PolicyJson } from '../policy/parse-policy';
import type { Hex } from 'viem';
import type { SealedAgentKey } from './sealed-agent-key';
import type { KeyScheme } from './wallet';

/** The payload of every wallet event type, by type. */
export interface WalletEventData {
  WALLET_CREATED: {
    readonly name: string;
    readonly chainId: number;
    readonly keyScheme: KeyScheme;
    readonly keyId: string;
    readonly address: Address;
    /** An enclave wallet's sealed key (and only an enclave wallet's): what the enclave opens to sign. */
    readonly sealedKey?: SealedAgentKey;
    /** SHA-256 of the attestation document that vouched for an enclave wallet's address, verified before this event. */
    readonly attestationSha256?: Hex;
  };
  /** A new policy, in its JSON form (`serializePolicy`); `version` is the one after the current policy's. */
  /** `changeId`: the governance change that set it, when one did (a weakening policy). */
  POLICY_SET: { readonly policy: PolicyJson; readonly version: number; readonly changeId?: string };
  FROZEN: { readonly reason: string };
  UNFROZEN: { readonly reason: string; readonly changeId?: string };
  LOCKED_DOWN: { readonly reason: string };
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
