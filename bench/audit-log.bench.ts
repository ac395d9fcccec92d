// Audit appends against DynamoDB Local: appends/s with 1 and with 8 concurrent traces, conflicts
// (writes refused because the trace moved) and DynamoDB requests per append. There is no global
// counter, so traces do not contend with each other; the throughput is DynamoDB Local's. `append`
// reads the trace head and puts one item; a workflow step that knows its head puts the record in its
// own transaction with its transfer event (`prepareAppend`), with no read.
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { documentClient } from '../lambdas/adapters/dynamodb/document-client';
import { DynamoAuditLog } from '../lambdas/adapters/dynamodb/dynamo-audit-log';
import { localTableNames } from '../lambdas/adapters/dynamodb/table-schema';
import { padSequence } from '../lambdas/adapters/dynamodb/tagged-json';
import { transactWrite } from '../lambdas/adapters/dynamodb/transact';
import { digestOf, type AuditEntry, type ChainHead } from '../lambdas/domain/audit/audit-chain';
import { buildAuditCheckpointTypedData } from '../lambdas/domain/proof/audit-checkpoint';
import type { CheckpointSigner } from '../lambdas/ports/audit-log';
import { createTables, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';

interface Counts {
  reads: number;
  puts: number;
  transactions: number;
  conflicts: number;
}

/** Counts every request the document client sends, by kind; a refused write is a conflict. */
function instrument(doc: DynamoDBDocumentClient): Counts {
  const counts: Counts = { reads: 0, puts: 0, transactions: 0, conflicts: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      if (name === 'TransactWriteItemsCommand' || name === 'PutItemCommand') {
        if (name === 'PutItemCommand') counts.puts++;
        else counts.transactions++;
        try {
          return await next(args);
        } catch (error) {
          counts.conflicts++;
          throw error;
        }
      }
      if (name === 'GetItemCommand' || name === 'QueryCommand') counts.reads++;
      return next(args);
    },
    { step: 'initialize', name: 'strongroomBenchCounter' },
  );
  return counts;
}

function benchSigner(): CheckpointSigner {
  const account = privateKeyToAccount(generatePrivateKey());
  const domain = { deploymentId: 'strongroom-bench' };
  return {
    sign: (checkpoint) => account.signTypedData(buildAuditCheckpointTypedData(domain, checkpoint)),
    verify: async () => true,
    typedData: (checkpoint) => buildAuditCheckpointTypedData(domain, checkpoint),
  };
}

const SCENARIOS = [
  { name: '1 trace', appends: 400, traces: 1, prepared: false },
  { name: '8 concurrent traces', appends: 400, traces: 8, prepared: false },
  { name: '8 traces, head known', appends: 400, traces: 8, prepared: true },
] as const;

async function runScenario(endpoint: string, scenario: (typeof SCENARIOS)[number], prefix: string): Promise<string> {
  const client = localDynamoDbClient(endpoint);
  const names = localTableNames(prefix);
  await createTables(client, names);
  const doc = documentClient(client);
  // The adapter's own retry policy: conflicts are what it meets in service.
  const log = new DynamoAuditLog(doc, names.audit, benchSigner());
  const counts = instrument(doc);
  const latencies: number[] = [];
  const perTrace = scenario.appends / scenario.traces;
  const entry = (t: number, n: number): AuditEntry => ({
    traceId: `bench-${t}`,
    actor: 'bench',
    action: `step-${n}`,
    inputsDigest: digestOf({ t, n }),
    result: 'ok',
    at: new Date(),
  });
  /** A workflow step: its transfer event and its audit record in one transaction, chained to the head it knows. */
  const step = async (t: number, n: number, head: ChainHead | undefined): Promise<ChainHead> => {
    for (let known = head; ; known = await log.newestHead(`bench-${t}`)) {
      const { record, item } = log.prepareAppend(entry(t, n), known);
      const event = {
        Put: {
          TableName: names.events,
          Item: { pk: `TX#bench-${t}`, sk: padSequence(n), kind: 'BENCH' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
      if ((await transactWrite(doc, [event, item])).ok) return record;
    }
  };
  const writer = async (t: number): Promise<void> => {
    let head: ChainHead | undefined;
    for (let n = 1; n <= perTrace; n++) {
      const started = performance.now();
      if (scenario.prepared) head = await step(t, n, head);
      else await log.append(entry(t, n));
      latencies.push(performance.now() - started);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: scenario.traces }, (_, t) => writer(t)));
  const seconds = (performance.now() - start) / 1_000;
  const appendCounts = { ...counts };
  const checkpointStart = performance.now();
  await log.writeCheckpoint(new Date());
  const checkpointMs = performance.now() - checkpointStart;
  client.destroy();
  latencies.sort((a, b) => a - b);
  const p = (q: number): string => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(0);
  const n = scenario.appends;
  return [
    scenario.name.padEnd(20),
    `${(n / seconds).toFixed(0).padStart(5)} appends/s`,
    `conflicts ${String(appendCounts.conflicts).padStart(4)} in ${n} appends`,
    `p50 ${p(0.5)} ms, p95 ${p(0.95)} ms`,
    `per append: ${(appendCounts.puts / n).toFixed(2)} PutItem, ${(appendCounts.transactions / n).toFixed(2)} TransactWriteItems (with its event), ${(appendCounts.reads / n).toFixed(2)} reads`,
    `then one checkpoint in ${checkpointMs.toFixed(0)} ms (${counts.reads - appendCounts.reads} reads)`,
  ].join('  ');
}

export async function run(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    console.log('\naudit appends on DynamoDB Local (one item per record; the changed-heads index is a GSI on it)');
    for (const [i, scenario] of SCENARIOS.entries())
      console.log(`  ${await runScenario(dynamo.endpoint, scenario, `audit${i}${Date.now()}`)}`);
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) void run();
