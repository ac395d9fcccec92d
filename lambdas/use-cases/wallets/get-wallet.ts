import { NATIVE, type Asset } from '../../domain/asset';
import type { WalletBalances } from '../../domain/ledger/account-state';
import { serializePolicy, type PolicyJson } from '../../domain/policy/parse-policy';
import { loadWallet } from '../transfers/load-wallet';
import type { TransferDeps } from '../transfers/transfer-deps';
import { walletView, type WalletView } from './wallet-view';

export type GetWalletDeps = Pick<TransferDeps, 'wallets' | 'ledger' | 'chains'>;

/** One asset's balances; a token carries the symbol and decimals its chain configuration gives it. */
export interface AssetBalances extends WalletBalances {
  readonly asset: Asset;
  readonly symbol?: string;
  readonly decimals?: number;
}

export interface WalletDetails extends WalletView {
  readonly policy?: PolicyJson;
  /** Native first, then every token of the wallet's chain configuration; amounts in base units. */
  readonly balances: readonly AssetBalances[];
}

/**
 * A wallet with its current policy and its ledger balances (`GET /v1/wallets/{id}`): the native
 * asset and each token the chain is configured with, read from the ledger, the source of truth.
 */
export async function getWallet(deps: GetWalletDeps, request: { readonly walletId: string }): Promise<WalletDetails> {
  const wallet = await loadWallet(deps.wallets, request.walletId);
  // A chain taken out of the configuration still shows the native balance rather than failing the read.
  const tokens = deps.chains.all().find((chain) => chain.config.chainId === wallet.chainId)?.config.tokens ?? [];
  const assets: { asset: Asset; symbol?: string; decimals?: number }[] = [
    { asset: NATIVE },
    ...tokens.map((t) => ({ asset: t.address, symbol: t.symbol, decimals: t.decimals })),
  ];
  const balances = await Promise.all(
    assets.map(async (a): Promise<AssetBalances> => ({ ...a, ...(await deps.ledger.balances(wallet.id, a.asset)) })),
  );
  return {
    ...walletView(wallet),
    ...(wallet.policy === undefined ? {} : { policy: serializePolicy(wallet.policy) }),
    balances,
  };
}
