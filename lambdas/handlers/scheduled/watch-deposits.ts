import { Logger } from '@aws-lambda-powertools/logger';
import { dependencies } from '../../composition/dependencies';
import { watchDeposits } from '../../use-cases/watch-deposits';

const logger = new Logger({ serviceName: 'strongroom-deposits' });

/** The deposit watcher: one scan per configured chain (an EventBridge schedule in the cloud, an interval locally). */
export async function handler(): Promise<{
  chains: { chainId: number; seen: number; confirmed: number; reorged: number; ignored: number }[];
}> {
  const deps = await dependencies();
  const chains = [];
  for (const chain of deps.chains.all()) {
    const report = await watchDeposits({
      chain,
      cursors: deps.cursors,
      ledger: deps.ledger,
      custodyAddresses: () => deps.wallets.addressesOnChain(chain.config.chainId),
      onIgnored: async (transfer, reason) => {
        logger.info('deposit ignored', {
          chainId: chain.config.chainId,
          txHash: transfer.txHash,
          token: transfer.token,
          reason,
        });
      },
      clock: deps.clock,
    });
    const figures = {
      chainId: chain.config.chainId,
      seen: report.seen.length,
      confirmed: report.confirmed.length,
      reorged: report.reorged.length,
      ignored: report.ignored.length,
    };
    if (figures.seen + figures.confirmed + figures.reorged + figures.ignored > 0) logger.info('deposits', figures);
    chains.push(figures);
  }
  return { chains };
}
