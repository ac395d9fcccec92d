import { ConflictError } from '../../domain/errors';
import type { Wallet } from '../../domain/wallets/wallet';
import type { WalletEvent, WalletEventData, WalletEventType } from '../../domain/wallets/wallet-events';
import type { WalletStore } from '../../ports/wallet-store';
import { loadWallet } from '../transfers/load-wallet';

type Change = {
  [T in Exclude<WalletEventType, 'WALLET_CREATED'>]: { readonly type: T; readonly data: WalletEventData[T] };
}[Exclude<WalletEventType, 'WALLET_CREATED'>];

const ATTEMPTS = 5;

/**
 * Appends one event to a wallet's stream, built from the wallet as it is now. When another writer
 * appended first (`STORE.CONFLICT`), the wallet is read again and the change rebuilt, a few times;
 * a change the lifecycle refuses (freezing a frozen wallet) is LIFECYCLE.ILLEGAL_TRANSITION (409).
 */
export async function changeWallet(
  wallets: WalletStore,
  request: { readonly walletId: string; readonly actor: string; readonly at: Date },
  build: (wallet: Wallet) => Change,
): Promise<Wallet> {
  for (let attempt = 1; ; attempt++) {
    const wallet = await loadWallet(wallets, request.walletId);
    const event = {
      walletId: wallet.id,
      seq: wallet.version + 1,
      at: request.at,
      actor: request.actor,
      ...build(wallet),
    } as WalletEvent;
    try {
      return await wallets.append(wallet, [event]);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
