import { Logger } from '@aws-lambda-powertools/logger';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { METRIC } from '../../observability/metric-names';
import { watchDeposits } from '../../use-cases/watch-deposits';

const logger = new Logger({ serviceName: 'strongroom-deposits' });

/**
 * The chain watcher: one scan per configured chain (an EventBridge schedule in the cloud, an interval
 * locally) for deposits to custody addresses and for what left them without a transfer of ours.
 */
export const watchDepositsFunction = defineFunction(
  FUNCTIONS.watchDeposits,
  (deps) =>
    async (): Promise<{
      chains: {
        chainId: number;
        seen: number;
        confirmed: number;
        reorged: number;
        ignored: number;
        unexplainedOutflows: number;
      }[];
    }> => {
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
          outflows: {
            nonces: deps.nonces,
            events: deps.events,
            ledger: deps.ledger,
            wallets: deps.wallets,
            audit: deps.audit,
            reconciliation: deps.reconciliation,
            alarms: deps.alarms,
          },
          clock: deps.clock,
        });
        const figures = {
          chainId: chain.config.chainId,
          seen: report.seen.length,
          confirmed: report.confirmed.length,
          reorged: report.reorged.length,
          ignored: report.ignored.length,
          unexplainedOutflows: report.outflows.unexplained.length,
        };
        if (figures.unexplainedOutflows > 0)
          deps.metrics.count(METRIC.unexplainedOutflows, figures.unexplainedOutflows);
        if (figures.unexplainedOutflows > 0)
          logger.warn('unexplained outflows', {
            chainId: figures.chainId,
            exceptionIds: report.outflows.unexplained.map((o) => o.id),
          });
        if (figures.seen + figures.confirmed + figures.reorged + figures.ignored > 0) logger.info('deposits', figures);
        chains.push(figures);
      }
      return { chains };
    },
);

export const { handler } = watchDepositsFunction;
