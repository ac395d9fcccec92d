// Runs every benchmark in turn and prints its figures. Figures, not pass/fail.
import { cpus } from 'node:os';

const benches: ReadonlyArray<readonly [string, () => Promise<{ run: () => Promise<void> | void }>]> = [
  ['policy evaluation', () => import('./policy-evaluation.bench')],
  ['ledger operations', () => import('./ledger-operations.bench')],
];

async function main(): Promise<void> {
  console.log(`strongroom benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`);
  for (const [name, load] of benches) {
    const bench = await load();
    try {
      await bench.run();
    } catch (error) {
      console.error(`${name}: failed`, error);
      process.exitCode = 1;
    }
  }
}

void main();
