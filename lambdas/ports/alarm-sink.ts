import type { Asset } from '../domain/asset';

/** Something an operator must look at now (ARCHITECTURE §1.10): the kind says what, the rest where. */
export interface Alarm {
  readonly kind: 'UNEXPLAINED_OUTFLOW' | 'BALANCE_MISMATCH';
  readonly walletId: string;
  readonly chainId: number;
  readonly asset: Asset;
  /** The reconciliation exception that holds the evidence. */
  readonly exceptionId: string;
  readonly message: string;
  readonly at: Date;
}

/**
 * Where alarms go: a metric and an SNS topic in the cloud, a log line and a list locally. Raising the
 * same alarm twice must be harmless (the callers raise once per recorded exception, but may retry).
 */
export interface AlarmSink {
  raise(alarm: Alarm): Promise<void>;
}
