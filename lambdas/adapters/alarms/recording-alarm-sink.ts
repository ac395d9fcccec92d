import type { Alarm, AlarmSink } from '../../ports/alarm-sink';

/** The local runtime's and the tests' alarms: kept in order, listed, and told to a callback (the console). */
export class RecordingAlarmSink implements AlarmSink {
  private readonly alarms: Alarm[] = [];

  constructor(private readonly onAlarm?: (alarm: Alarm) => void) {}

  async raise(alarm: Alarm): Promise<void> {
    this.alarms.push(alarm);
    this.onAlarm?.(alarm);
  }

  list(): readonly Alarm[] {
    return [...this.alarms];
  }
}
