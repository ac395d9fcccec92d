import type { Address } from '../../domain/address';
import { StrongroomError } from '../../domain/errors';
import type { Wallet } from '../../domain/wallets/wallet';
import type { WalletStore } from '../../ports/wallet-store';

/** The wallet, or WALLET.NOT_FOUND naming it. */
export async function loadWallet(wallets: WalletStore, walletId: string): Promise<Wallet> {
  const wallet = await wallets.get(walletId);
  if (wallet === undefined)
    throw new StrongroomError('WALLET.NOT_FOUND', `no wallet ${walletId}`, { details: { walletId } });
  return wallet;
}

/** The address a transfer is sent from: recorded at submit, read from the wallet for older transfers. */
export async function walletAddressOf(
  deps: { readonly wallets: WalletStore },
  state: { readonly walletId: string; readonly from?: Address },
): Promise<Address> {
  return state.from ?? (await loadWallet(deps.wallets, state.walletId)).address;
}
