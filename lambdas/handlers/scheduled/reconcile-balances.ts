import { Logger } from '@aws-lambda-powertools/logger';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { METRIC } from '../../observability/metric-names';
import { reconcileBalances } from '../../use-cases/reconciliation/reconcile-balances';

const logger = new Logger({ serviceName: 'strongroom-reconciliation' });

/** The balance reconciliation: one round per configured chain (an EventBridge schedule in the cloud, an interval locally). */
export const reconcileBalancesFunction = defineFunction(
  FUNCTIONS.reconcileBalances,
  (deps) =>
    async (): Promise<{
      chains: { chainId: number; outcome: string; blockNumber?: string; mismatches: number; recorded: number }[];
    }> => {
      const chains = [];
      for (const chain of deps.chains.all()) {
        const report = await reconcileBalances({
          chain,
          cursors: deps.cursors,
          ledger: deps.ledger,
          wallets: deps.wallets,
          reconciliation: deps.reconciliation,
          alarms: deps.alarms,
          clock: deps.clock,
        });
        const figures = {
          chainId: chain.config.chainId,
          outcome: report.outcome,
          ...(report.outcome === 'NOT_SCANNED' ? {} : { blockNumber: report.blockNumber.toString() }),
          mismatches: report.outcome === 'COMPARED' ? report.mismatches.length : 0,
          recorded: report.outcome === 'COMPARED' ? report.recorded.length : 0,
        };
        if (figures.recorded > 0) deps.metrics.count(METRIC.reconciliationExceptions, figures.recorded);
        if (figures.recorded > 0) logger.warn('reconciliation mismatches', figures);
        chains.push(figures);
      }
      return { chains };
    },
);

export const { handler } = reconcileBalancesFunction;
