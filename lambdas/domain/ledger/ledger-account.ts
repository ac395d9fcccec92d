import { NATIVE, type Asset } from '../asset';

/**
 * What an account holds for: `wallet` is the custody wallet's own balance; `external` is the outside
 * world seen from one wallet (the counterparty leg of deposits and withdrawals); `fees` is the gas the
 * wallet has paid (native only).
 */
export type AccountKind = 'wallet' | 'external' | 'fees';

/**
 * One ledger account. Counterparty accounts are per wallet too, so no posting ever writes to a journal
 * shared by every wallet (a hot partition, and a point of contention between unrelated transfers).
 */
export interface LedgerAccount {
  readonly walletId: string;
  readonly asset: Asset;
  readonly kind: AccountKind;
}

/** The account's stable key: `<wallet>#<asset>#<kind>` (the store prefixes it with `ACCT#`). */
export const accountKey = (account: LedgerAccount): string => `${account.walletId}#${account.asset}#${account.kind}`;

export const walletAccount = (walletId: string, asset: Asset): LedgerAccount => ({ walletId, asset, kind: 'wallet' });

export const externalAccount = (walletId: string, asset: Asset): LedgerAccount => ({
  walletId,
  asset,
  kind: 'external',
});

export const feesAccount = (walletId: string): LedgerAccount => ({ walletId, asset: NATIVE, kind: 'fees' });
