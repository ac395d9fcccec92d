import type { Address } from '../domain/address';
import type { KeyScheme, Wallet } from '../domain/wallets/wallet';
import type { WalletEvent } from '../domain/wallets/wallet-events';
import type { Page, PageRequest } from './page';

/** The listing view of a wallet: what it was created with. Its status is read from the wallet itself. */
export interface WalletSummary {
  readonly id: string;
  readonly name: string;
  readonly chainId: number;
  readonly address: Address;
  readonly keyScheme: KeyScheme;
  readonly createdAt: Date;
}

/**
 * The registry of wallets: one append-only event stream per wallet (creation, policy versions,
 * freezes, lockdown). An append names the wallet it builds on; if another writer appended first it
 * fails with a `ConflictError` (`STORE.CONFLICT`) and nothing is written. No two wallets share an
 * address on one chain (`STORE.DUPLICATE`). Reads are strongly consistent.
 */
export interface WalletStore {
  /** Appends events after `current` (undefined to create the wallet); returns the wallet after them. */
  append(current: Wallet | undefined, events: readonly WalletEvent[]): Promise<Wallet>;
  /** The fold of the wallet's stream; undefined when there is no such wallet. */
  get(id: string): Promise<Wallet | undefined>;
  /** Wallets, newest first. */
  list(page?: PageRequest): Promise<Page<WalletSummary>>;
  /** The wallet that holds `address` on `chainId` (any letter case), if any. */
  byAddress(chainId: number, address: string): Promise<Wallet | undefined>;
  /** Every custody address on a chain: lower-case address → wallet id. */
  addressesOnChain(chainId: number): Promise<ReadonlyMap<string, string>>;
}
