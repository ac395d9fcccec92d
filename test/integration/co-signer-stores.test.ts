import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Hex } from 'viem';
import { DynamoCoSignerShareStore } from '../../lambdas/co-signer/adapters/dynamo-co-signer-share-store';
import { DynamoReleaseLog } from '../../lambdas/co-signer/adapters/dynamo-release-log';
import { MemoryCoSignerShareStore } from '../../lambdas/co-signer/memory/memory-co-signer-share-store';
import { MemoryReleaseLog } from '../../lambdas/co-signer/memory/memory-release-log';
import type { CoSignerShareStore } from '../../lambdas/co-signer/ports/co-signer-share-store';
import type { RecordOutcome, ReleaseLog, ShareRelease } from '../../lambdas/co-signer/ports/release-log';
import { freshTables, type TestTables } from '../support/dynamodb';
import { coSignerShare, NOW, USDC } from '../unit/co-signer/co-signer-fixtures';

/**
 * One behaviour suite for both share stores and both release logs of the co-signer (ports in
 * lambdas/co-signer/ports): the DynamoDB ones on DynamoDB Local's `coSigner` table and the memory ones
 * the use-case tests use, so the fakes cannot drift from the real rules.
 */

let tables: TestTables;
beforeAll(async () => {
  tables = await freshTables();
});
afterAll(() => tables.client.destroy());

let wallets = 0;
/** A wallet id no other test uses (the table is shared by the tests of this file). */
const freshWallet = (): string => `wallet-${(wallets += 1)}`;

const HOUR = 3_600_000;
const ago = (hours: number): Date => new Date(NOW.getTime() - hours * HOUR);
const DAY_AGO = ago(24);
/** A cap no amount here reaches: for tests about something else than the cap. */
const UNCAPPED = 2n ** 255n;
const proofId = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

function release(walletId: string, n: number, amount: bigint, at = NOW, asset: ShareRelease['asset'] = 'native') {
  return {
    walletId,
    proofId: proofId(n),
    jobId: `tr-${n}:1:${proofId(n)}`,
    transferId: `tr-${n}`,
    epoch: '1',
    asset,
    amount,
    recipientKeyDigest: `0x${'ab'.repeat(32)}`,
    at,
  } satisfies ShareRelease;
}

const shareStores: [string, () => CoSignerShareStore][] = [
  ['DynamoDB', () => new DynamoCoSignerShareStore({ client: tables.doc, table: tables.names.coSigner })],
  ['memory', () => new MemoryCoSignerShareStore()],
];

describe.each(shareStores)('%s co-signer share store', (_, make) => {
  it('keeps one share per wallet and epoch: the same again is fine, a different one is refused', async () => {
    const store = make();
    const walletId = freshWallet();
    const share = coSignerShare({ walletId });
    expect(await store.register(share, NOW)).toBe('registered');
    expect(await store.register(structuredClone(share), ago(1))).toBe('already-registered');
    expect(await store.register(coSignerShare({ walletId }), NOW)).toBe('conflict');
    expect(await store.current(walletId)).toEqual({ share, registeredAt: NOW });
  });

  it('gives the highest epoch (as a number) as current, and retires an epoch once, keeping the first reason', async () => {
    const store = make();
    const walletId = freshWallet();
    await store.register(coSignerShare({ walletId, epoch: '2' }), NOW);
    const tenth = coSignerShare({ walletId, epoch: '10' });
    await store.register(tenth, NOW);
    await store.register(coSignerShare({ walletId, epoch: '9' }), NOW);
    expect((await store.current(walletId))?.share).toEqual(tenth);
    expect(await store.retire(walletId, '9', 'superseded', NOW)).toBe('retired');
    expect((await store.current(walletId))?.retired).toBeUndefined();
    expect(await store.retire(walletId, '10', 'key revoked', NOW)).toBe('retired');
    expect(await store.retire(walletId, '10', 'again', ago(-1))).toBe('already-retired');
    expect(await store.retire(walletId, '3', 'no such epoch', NOW)).toBe('unknown');
    expect(await store.current(walletId)).toEqual({
      share: tenth,
      registeredAt: NOW,
      retired: { at: NOW, reason: 'key revoked' },
    });
    expect(await store.current(freshWallet())).toBeUndefined();
    expect(await store.retire(freshWallet(), '1', 'no such wallet', NOW)).toBe('unknown');
  });

  it('of two different shares registered at once for one wallet and epoch, exactly one is kept', async () => {
    const store = make();
    const walletId = freshWallet();
    const shares = [coSignerShare({ walletId }), coSignerShare({ walletId })];
    const outcomes = await Promise.all(shares.map((share) => store.register(share, NOW)));
    expect([...outcomes].sort()).toEqual(['conflict', 'registered']);
    expect((await store.current(walletId))?.share).toEqual(shares[outcomes.indexOf('registered')]);
  });
});

const releaseLogs: [string, () => ReleaseLog][] = [
  // A page of 2 so the window's backward read crosses pages.
  ['DynamoDB', () => new DynamoReleaseLog({ client: tables.doc, table: tables.names.coSigner, pageSize: 2 })],
  ['memory', () => new MemoryReleaseLog()],
];

describe.each(releaseLogs)('%s release log', (_, make) => {
  it('records once per proof, and sums a wallet’s releases of an asset since an instant', async () => {
    const log = make();
    const walletId = freshWallet();
    expect(await log.recordWithinCap(release(walletId, 1, 5n, ago(1)), UNCAPPED, DAY_AGO)).toBe('recorded');
    expect(await log.recordWithinCap(release(walletId, 1, 500n), UNCAPPED, DAY_AGO)).toBe('already-recorded');
    await log.recordWithinCap(release(walletId, 2, 7n), UNCAPPED, DAY_AGO);
    await log.recordWithinCap(release(walletId, 3, 11n, NOW, USDC), UNCAPPED, DAY_AGO);
    expect(await log.releasedSince(walletId, 'native', ago(1))).toBe(12n);
    expect(await log.releasedSince(walletId, 'native', NOW)).toBe(7n);
    expect(await log.releasedSince(walletId, USDC.toLowerCase() as typeof USDC, ago(1))).toBe(11n);
    expect(await log.releasedSince(freshWallet(), 'native', ago(1))).toBe(0n);
    expect(await log.find(walletId, proofId(1))).toEqual(release(walletId, 1, 5n, ago(1)));
    expect(await log.find(walletId, proofId(4))).toBeUndefined();
  });

  it('appends only within the cap: up to it exactly, not one unit more, and counts only the window and the asset', async () => {
    const log = make();
    const walletId = freshWallet();
    await log.recordWithinCap(release(walletId, 1, 50n, ago(25)), UNCAPPED, new Date(0));
    await log.recordWithinCap(release(walletId, 2, 70n, ago(2), USDC), UNCAPPED, new Date(0));
    expect(await log.recordWithinCap(release(walletId, 3, 60n, ago(3)), 100n, DAY_AGO)).toBe('recorded');
    expect(await log.recordWithinCap(release(walletId, 4, 41n), 100n, DAY_AGO)).toEqual({
      kind: 'cap-exceeded',
      releasedInWindow: 60n,
    });
    expect(await log.find(walletId, proofId(4))).toBeUndefined();
    expect(await log.recordWithinCap(release(walletId, 5, 40n), 100n, DAY_AGO)).toBe('recorded');
    // A recorded proof is not counted again, whatever the cap says now: its release was counted.
    expect(await log.recordWithinCap(release(walletId, 5, 40n), 0n, DAY_AGO)).toBe('already-recorded');
    expect(await log.releasedSince(walletId, 'native', DAY_AGO)).toBe(100n);
  });

  it('sums the window exactly when releases were recorded out of time order (clocks of different callers)', async () => {
    const log = make();
    const walletId = freshWallet();
    const amounts: [number, bigint, Date][] = [
      [1, 1n, ago(30)],
      [2, 2n, ago(1)],
      [3, 4n, ago(30)], // recorded after a release inside the window, itself outside it
      [4, 8n, ago(23)],
      [5, 16n, ago(26)],
      [6, 32n, ago(25)],
    ];
    for (const [n, amount, at] of amounts) await log.recordWithinCap(release(walletId, n, amount, at), UNCAPPED, at);
    expect(await log.releasedSince(walletId, 'native', DAY_AGO)).toBe(10n);
    expect(await log.releasedSince(walletId, 'native', ago(27))).toBe(2n + 8n + 16n + 32n);
    expect(await log.releasedSince(walletId, 'native', new Date(0))).toBe(63n);
    expect(await log.recordWithinCap(release(walletId, 7, 91n), 100n, DAY_AGO)).toEqual({
      kind: 'cap-exceeded',
      releasedInWindow: 10n,
    });
  });

  it('never overshoots the cap under concurrent releases of one wallet: each loser re-reads and decides again', async () => {
    const log = make();
    const walletId = freshWallet();
    // Eight releases of 3 against a cap of 10: three fit, whatever the interleaving.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_unused, i) => log.recordWithinCap(release(walletId, i + 1, 3n), 10n, DAY_AGO)),
    );
    const recorded = outcomes.filter((outcome): outcome is 'recorded' => outcome === 'recorded');
    const committed = 3n * BigInt(recorded.length);
    expect(committed).toBeLessThanOrEqual(10n);
    expect(recorded).toHaveLength(3);
    expect(outcomes.filter((o: RecordOutcome) => typeof o === 'object')).toHaveLength(5);
    // What the log holds is what was answered as recorded: no release overwrote another.
    expect(await log.releasedSince(walletId, 'native', DAY_AGO)).toBe(committed);
  });

  it('records a proof released concurrently (a redelivered job racing itself) exactly once', async () => {
    const log = make();
    const walletId = freshWallet();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => log.recordWithinCap(release(walletId, 1, 3n), 10n, DAY_AGO)),
    );
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already-recorded')).toHaveLength(4);
    expect(await log.releasedSince(walletId, 'native', DAY_AGO)).toBe(3n);
  });
});

describe('DynamoDB release log items', () => {
  it('are one sequence item and one proof marker per release, numbered in commit order, amounts as strings', async () => {
    const log = new DynamoReleaseLog({ client: tables.doc, table: tables.names.coSigner });
    const walletId = freshWallet();
    await log.recordWithinCap(release(walletId, 1, 5n, ago(1)), UNCAPPED, DAY_AGO);
    await log.recordWithinCap(release(walletId, 2, 7n, ago(2)), UNCAPPED, DAY_AGO);
    const { Items = [] } = await tables.doc.send(
      new QueryCommand({
        TableName: tables.names.coSigner,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `RELEASES#${walletId}` },
        ConsistentRead: true,
      }),
    );
    expect(Items.map((item) => item.sk)).toEqual([
      `PROOF#${proofId(1)}`,
      `PROOF#${proofId(2)}`,
      'SEQ#000000000001',
      'SEQ#000000000002',
    ]);
    expect(Items.find((item) => item.sk === 'SEQ#000000000002')).toMatchObject({
      amount: '7',
      at: ago(2).toISOString(),
      latestAt: ago(1).toISOString(),
    });
  });
});
