import type { Logger } from '@aws-lambda-powertools/logger';
import type { Alarm, AlarmSink } from '../../ports/alarm-sink';

/**
 * Alarms as one structured error line each (`message: "ALARM"`), which a CloudWatch metric filter can
 * count and alarm on until the SNS topic of the alarms arrives. The line names the wallet, asset and
 * exception, never an amount's owner key or any secret.
 */
export class LogAlarmSink implements AlarmSink {
  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  async raise(alarm: Alarm): Promise<void> {
    this.logger.error('ALARM', {
      alarm: alarm.kind,
      walletId: alarm.walletId,
      chainId: alarm.chainId,
      asset: alarm.asset,
      exceptionId: alarm.exceptionId,
      detail: alarm.message,
      at: alarm.at.toISOString(),
    });
  }
}
