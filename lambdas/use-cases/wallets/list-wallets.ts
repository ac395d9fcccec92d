import type { Page, PageRequest } from '../../ports/page';
import type { TransferDeps } from '../transfers/transfer-deps';
import { walletView, type WalletView } from './wallet-view';

export type ListWalletsDeps = Pick<TransferDeps, 'wallets'>;

/**
 * Wallets, newest first, one page at a time (`GET /v1/wallets`). The listing index holds only what
 * never changes, so each wallet's status and policy version are folded from its stream.
 */
export async function listWallets(
  deps: ListWalletsDeps,
  page: PageRequest,
  /** A wallet-scoped token's wallets: those of them that exist, in one page, whatever `page` says. */
  scope?: readonly string[],
): Promise<Page<WalletView>> {
  if (scope !== undefined) {
    const scoped = await Promise.all(scope.map((id) => deps.wallets.get(id)));
    return { items: scoped.flatMap((wallet) => (wallet === undefined ? [] : [walletView(wallet)])) };
  }
  const listed = await deps.wallets.list(page);
  const wallets = await Promise.all(listed.items.map((summary) => deps.wallets.get(summary.id)));
  const items = wallets.flatMap((wallet) => (wallet === undefined ? [] : [walletView(wallet)]));
  return listed.nextToken === undefined ? { items } : { items, nextToken: listed.nextToken };
}
