// Ledger postings against DynamoDB Local: throughput, retry rate, and DynamoDB requests per posting.
// The request and item counts are what a posting costs on AWS too; the throughput is DynamoDB Local's.
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/dynamodb/document-client';
import { DynamoLedgerStore } from '../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { localTableNames } from '../lambdas/adapters/dynamodb/table-schema';
import { depositConfirmed, depositSeen } from '../lambdas/domain/ledger/deposit-postings';
import type { ReservationSnapshot } from '../lambdas/domain/ledger/reservation-snapshot';
import { reserve } from '../lambdas/domain/ledger/transfer-postings';
import { createTables, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';

interface Counts {
  reads: number;
  transactions: number;
  transactionsFailed: number;
  itemsWritten: number;
}

/** Counts every request the document client sends, by kind. */
function instrument(doc: DynamoDBDocumentClient): Counts {
  const counts: Counts = { reads: 0, transactions: 0, transactionsFailed: 0, itemsWritten: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      const input = args.input as { TransactItems?: { Put?: unknown }[] };
      if (name === 'TransactWriteItemsCommand') {
        counts.transactions++;
        try {
          const result = await next(args);
          counts.itemsWritten += input.TransactItems?.filter((i) => i.Put !== undefined).length ?? 0;
          return result;
        } catch (error) {
          counts.transactionsFailed++;
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

interface Scenario {
  readonly name: string;
  readonly postings: number;
  readonly writers: number;
  readonly accounts: number;
  /** Plan the first attempt without reading the posting's marker (`postWith(…, { optimistic: true })`). */
  readonly optimistic?: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'sequential, one account', postings: 200, writers: 1, accounts: 1 },
  { name: 'sequential, one account, optimistic', postings: 200, writers: 1, accounts: 1, optimistic: true },
  { name: '8 concurrent writers, one account', postings: 200, writers: 8, accounts: 1 },
  { name: '8 concurrent writers, one account, optimistic', postings: 200, writers: 8, accounts: 1, optimistic: true },
  { name: '8 concurrent writers, 8 accounts', postings: 200, writers: 8, accounts: 8 },
];

async function runScenario(endpoint: string, scenario: Scenario, prefix: string): Promise<string> {
  // A client of its own per scenario: the request counter is middleware on the client.
  const client = localDynamoDbClient(endpoint);
  const names = localTableNames(prefix);
  await createTables(client, names);
  const doc = documentClient(client);
  const ledger = new DynamoLedgerStore(doc, names.ledger, { timeBoundMs: 60_000, baseDelayMs: 2, maxDelayMs: 50 });
  const wallets = Array.from({ length: scenario.accounts }, (_, i) => `bench-w${i}`);
  for (const walletId of wallets) {
    const deposit = { depositId: `fund-${walletId}`, walletId, asset: 'native' as const, amount: 10n ** 24n };
    await ledger.post(depositSeen(deposit, new Date()));
    await ledger.post(depositConfirmed(deposit, new Date()));
  }
  const counts = instrument(doc);
  const reserved: { readonly transferId: string; readonly walletId: string; readonly snapshot: ReservationSnapshot }[] =
    [];
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let i = next++; i < scenario.postings; i = next++) {
      const walletId = wallets[i % wallets.length] as string;
      const transferId = `bench-${i}`;
      const posting = reserve({ transferId, walletId, asset: 'native', amount: 1n, feeAllowance: 1n }, new Date());
      const outcome = await ledger.postWith(posting, undefined, { optimistic: scenario.optimistic === true });
      if (outcome.snapshot !== undefined) reserved.push({ transferId, walletId, snapshot: outcome.snapshot });
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: scenario.writers }, writer));
  const seconds = (performance.now() - start) / 1_000;
  const n = scenario.postings;
  const retryRate = (counts.transactionsFailed / counts.transactions) * 100;
  const line = [
    scenario.name.padEnd(46),
    `${(n / seconds).toFixed(0).padStart(6)} postings/s`,
    `retries ${retryRate.toFixed(1).padStart(5)}% of transactions`,
    `per posting: ${(counts.transactions / n).toFixed(2)} TransactWriteItems, ${(counts.itemsWritten / n).toFixed(2)} items written, ${(counts.reads / n).toFixed(2)} reads`,
  ].join('  ');
  // What policy reads per transfer: by the reservation's marker, or from its snapshot.
  const sample = reserved.slice(-20);
  const readsOf = async (read: (r: (typeof sample)[number]) => Promise<unknown>): Promise<string> => {
    const before = counts.reads;
    for (const r of sample) await read(r);
    return ((counts.reads - before) / sample.length).toFixed(2);
  };
  const now = new Date();
  const byMarker = await readsOf((r) => ledger.priorActivity(r.transferId, now));
  const bySnapshot = await readsOf((r) =>
    ledger.priorActivityOf({ walletId: r.walletId, asset: 'native' }, r.snapshot, now),
  );
  client.destroy();
  return `${line}\n  ${''.padEnd(46)}  policy reads per transfer: priorActivity ${byMarker}, priorActivityOf ${bySnapshot}`;
}

export async function run(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    console.log(
      '\nledger postings on DynamoDB Local (native reserve: 1 journal entry + 1 marker per posting; optimistic: no marker read)',
    );
    for (const [i, scenario] of SCENARIOS.entries())
      console.log(`  ${await runScenario(dynamo.endpoint, scenario, `bench${i}${Date.now()}`)}`);
    console.log('  on AWS a TransactWriteItems item costs 2 write units: write units per posting = 2 × items written');
  } finally {
    await dynamo.stop();
  }
}
