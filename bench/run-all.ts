// Runs every benchmark in turn and prints its figures. Figures, not pass/fail.
import { cpus } from 'node:os';
import { run as auditLog } from './audit-log.bench';
import { run as bundles } from './bundles.bench';
import { run as chainRoundTrip } from './chain-round-trip.bench';
import { run as keyVault } from './key-vault.bench';
import { run as ledgerOperations } from './ledger-operations.bench';
import { run as ledgerStore } from './ledger-store.bench';
import { run as localStack } from './local-stack.bench';
import { run as policyEvaluation } from './policy-evaluation.bench';
import { run as signingLatency } from './signing-latency.bench';

const benches: ReadonlyArray<readonly [string, () => Promise<void> | void]> = [
  ['policy evaluation', policyEvaluation],
  ['ledger operations', ledgerOperations],
  ['ledger store on DynamoDB Local', ledgerStore],
  ['audit log on DynamoDB Local', auditLog],
  ['key vault signatures', keyVault],
  ['signing latency per key scheme', signingLatency],
  ['chain round trip on anvil', chainRoundTrip],
  ['local stack end to end', localStack],
  ['Lambda bundles', bundles],
];

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  console.log(
    `strongroom benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`,
  );
  for (const [name, run] of benches) {
    try {
      await run();
    } catch (error) {
      console.error(`${name}: failed`, error);
      process.exitCode = 1;
    }
  }
}

void main();
