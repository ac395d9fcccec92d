import { performance } from 'node:perf_hooks';

export interface Throughput {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Runs `operation` repeatedly, after a warm-up, until at least `minSeconds` have passed, and reports
 * operations per second. A figure to read, not a threshold: machines here are shared and noisy.
 */
export function throughput(name: string, operation: (i: number) => void, minSeconds = 1): Throughput {
  for (let i = 0; i < 1_000; i++) operation(i);
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1_000) {
    for (let i = 0; i < 256; i++) operation(operations + i);
    operations += 256;
    elapsed = performance.now() - start;
  }
  const seconds = elapsed / 1_000;
  return { name, operations, seconds, perSecond: operations / seconds };
}

/** Prints figures as an aligned table. */
export function printTable(title: string, rows: readonly Throughput[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) {
    const rate = Math.round(row.perSecond).toLocaleString('en-US');
    console.log(
      `  ${row.name.padEnd(width)}  ${rate.padStart(12)} ops/s  (${row.operations.toLocaleString('en-US')} in ${row.seconds.toFixed(2)} s)`,
    );
  }
}
