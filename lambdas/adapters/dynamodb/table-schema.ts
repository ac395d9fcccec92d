import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The tables of strongroom: one description read by both the CDK stack and the local bootstrap, so
 * the two cannot drift. Every key attribute is a string.
 *
 * The append-only tables (events, ledger, audit, approvals, nonces, signingJobs, coSigner) take only
 * conditional puts; IAM denies UpdateItem/DeleteItem on them and a stream alarm fires on any MODIFY or
 * REMOVE. `transfers` is a read model (the listing projection), overwritten by version-conditioned puts.
 * Idempotency needs no table: a submit's SUBMITTED event, keyed by (caller, Idempotency-Key), holds its
 * body's fingerprint.
 */
export const TABLE_NAMES = [
  'events',
  'transfers',
  'ledger',
  'audit',
  'approvals',
  'nonces',
  'signingJobs',
  'coSigner',
] as const;

export type TableName = (typeof TABLE_NAMES)[number];

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface TableSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly globalIndexes: readonly IndexSchema[];
  /** Local indexes share the table's partition key and allow strongly consistent reads. */
  readonly localIndexes: readonly { readonly name: string; readonly sortKey: string }[];
  readonly timeToLiveAttribute?: string;
  /** Written only with conditional puts, never updated or deleted. */
  readonly appendOnly: boolean;
}

const pkSk = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const TABLE_SCHEMAS: { readonly [T in TableName]: TableSchema } = {
  /** pk `TX#<id>` (or `CURSOR#<name>`), sk zero-padded sequence. */
  events: { ...pkSk, globalIndexes: [], localIndexes: [], appendOnly: true },
  /** pk `TX#<id>`: the latest state of each transfer, for listings by wallet and by status. */
  transfers: {
    partitionKey: 'pk',
    globalIndexes: [
      { name: 'byWallet', partitionKey: 'walletId', sortKey: 'createdKey' },
      { name: 'byStatus', partitionKey: 'status', sortKey: 'updatedKey' },
    ],
    localIndexes: [],
    appendOnly: false,
  },
  /**
   * pk `ACCT#<wallet>#<asset>#<kind>` journal entries (sk zero-padded); `POSTING#<id>` markers. `byTime`:
   * entries by time (`<at>#<seq>`); `byReservedAt` (sparse): entries that give principal back, by the
   * time of the reservation they give back (`<reservedAt>#<seq>`), for velocity windows.
   */
  ledger: {
    ...pkSk,
    globalIndexes: [],
    localIndexes: [
      { name: 'byTime', sortKey: 'atKey' },
      { name: 'byReservedAt', sortKey: 'releasedOfKey' },
    ],
    appendOnly: true,
  },
  /**
   * pk `TRACE#<id>`: records (sk zero-padded seq) and checkpoint heads (sk `CHECKPOINT#<n>`); pk
   * `CHECKPOINT`: signed checkpoints. `byChangedAt` (sparse, records only): the changed-heads index the
   * checkpointer reads, pk `HEADS#<minute>#<shard>`, sk `<written at>#<traceId>#<seq>`.
   */
  audit: {
    ...pkSk,
    globalIndexes: [{ name: 'byChangedAt', partitionKey: 'headsPk', sortKey: 'headsSk' }],
    localIndexes: [],
    appendOnly: true,
  },
  /** pk `REQUEST#<id>`: the request, one decision per approver, one resolution. */
  approvals: { ...pkSk, globalIndexes: [], localIndexes: [], appendOnly: true },
  /** pk `NONCE#<chainId>#<address>`, sk zero-padded nonce. */
  nonces: { ...pkSk, globalIndexes: [], localIndexes: [], appendOnly: true },
  /**
   * pk `JOB#<jobId>`, sk `CLAIM` | `RESULT` | `VOID`: the enclave job ledger (enclave-host/contract.ts
   * `JobLedger`), shared by every enclave host and the workflow, so a job is either claimed by a host
   * or voided by the workflow, never both.
   */
  signingJobs: { ...pkSk, globalIndexes: [], localIndexes: [], appendOnly: true },
  /**
   * The co-signer's own table (issue 16), granted to no other function (its shares and release log;
   * lambdas/co-signer/adapters). pk `SHARE#<walletId>`: share 2 as the enclave made it (KMS ciphertext
   * under the co-signer's key, and its context), sk `EPOCH#<epoch, 9 digits>`; the epoch's retirement,
   * sk `EPOCH#<epoch>#RETIRED`. pk `RELEASES#<walletId>`: the wallet's releases of share 2 in commit
   * order, sk `SEQ#<12-digit sequence>`, each with its asset, amount, `at` and `latestAt` (the latest
   * `at` so far, where the cap's backward read of the window stops); and the same release under sk
   * `PROOF#<proofId>`, put in the same transaction, so a proof is recorded once.
   */
  coSigner: { ...pkSk, globalIndexes: [], localIndexes: [], appendOnly: true },
};

/** Table names in one deployment: logical name → physical name. */
export type TableNames = { readonly [T in TableName]: string };

/** Physical names for a local deployment or a test: `<prefix>-<logical>`. */
export const localTableNames = (prefix: string): TableNames =>
  Object.fromEntries(TABLE_NAMES.map((name) => [name, `${prefix}-${name}`])) as unknown as TableNames;

/** The CreateTable request for a table (on-demand billing, as in the cloud). */
export function createTableInput(name: TableName, physicalName: string): CreateTableCommandInput {
  const schema = TABLE_SCHEMAS[name];
  const keyAttributes = new Set<string>([schema.partitionKey]);
  if (schema.sortKey) keyAttributes.add(schema.sortKey);
  for (const index of schema.globalIndexes) {
    keyAttributes.add(index.partitionKey);
    if (index.sortKey) keyAttributes.add(index.sortKey);
  }
  for (const index of schema.localIndexes) keyAttributes.add(index.sortKey);

  const keySchema = (partitionKey: string, sortKey?: string) => [
    { AttributeName: partitionKey, KeyType: 'HASH' as const },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: physicalName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyAttributes].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' })),
    KeySchema: keySchema(schema.partitionKey, schema.sortKey),
    ...(schema.globalIndexes.length > 0 && {
      GlobalSecondaryIndexes: schema.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
    ...(schema.localIndexes.length > 0 && {
      LocalSecondaryIndexes: schema.localIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(schema.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  };
}
