import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoApprovalGroupStore } from '../../lambdas/adapters/dynamodb/dynamo-approval-group-store';
import { DynamoWalletStore } from '../../lambdas/adapters/dynamodb/dynamo-wallet-store';
import type { Address } from '../../lambdas/domain/address';
import type { ApprovalGroup } from '../../lambdas/domain/approvals/approval-group';
import { ConflictError, IllegalTransitionError } from '../../lambdas/domain/errors';
import { parsePolicy, serializePolicy } from '../../lambdas/domain/policy/parse-policy';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import type { WalletEvent, WalletEventData, WalletEventType } from '../../lambdas/domain/wallets/wallet-events';
import { freshTables, type TestTables } from '../support/dynamodb';

// anvil's well-known accounts: real checksummed addresses.
const ADDRESSES: readonly Address[] = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
];
const address = (i: number): Address => ADDRESSES[i]!;
const GROUPS = new Map([['treasury', { size: 3 }]]);
const HUGE = 2n ** 200n;

let tables: TestTables;
let wallets: DynamoWalletStore;
let groups: DynamoApprovalGroupStore;

beforeAll(async () => {
  tables = await freshTables();
  wallets = new DynamoWalletStore(tables.doc, tables.names.events);
  groups = new DynamoApprovalGroupStore(tables.doc, tables.names.events);
});
afterAll(() => tables.client.destroy());

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

function event<T extends WalletEventType>(
  walletId: string,
  seq: number,
  type: T,
  data: WalletEventData[T],
  when = at(seq),
): WalletEvent {
  return { walletId, seq, type, at: when, actor: 'admin-1', data } as WalletEvent;
}

function create(id: string, chainId: number, addr: Address, when = at(0)): Promise<Wallet> {
  return wallets.append(undefined, [
    event(
      id,
      1,
      'WALLET_CREATED',
      { name: `Wallet ${id}`, chainId, keyScheme: 'kms', keyId: `key-${id}`, address: addr },
      when,
    ),
  ]);
}

function policy(version: number) {
  return parsePolicy(
    {
      version,
      rules: [
        {
          id: 'small',
          match: { assets: ['native'], amount: { max: (HUGE + BigInt(version)).toString() } },
          action: { type: 'ALLOW' },
        },
        {
          id: 'large',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 2, approverGroup: 'treasury', timeoutSeconds: 3600 },
        },
      ],
      limits: {
        perAsset: { native: { daily: (HUGE * 3n).toString() } },
        approval: { quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 },
      },
    },
    { groups: GROUPS },
  );
}

const setPolicy = (w: Wallet, version: number) =>
  wallets.append(w, [event(w.id, w.version + 1, 'POLICY_SET', { policy: serializePolicy(policy(version)), version })]);

describe('DynamoWalletStore', () => {
  it('creates a wallet and reads it back; an unknown id reads as undefined', async () => {
    const created = await create('w-get', 1, address(0));
    expect(created).toMatchObject({
      id: 'w-get',
      status: 'ACTIVE',
      version: 1,
      address: address(0),
      createdBy: 'admin-1',
    });
    expect(await wallets.get('w-get')).toEqual(created);
    expect(await wallets.get('w-none')).toBeUndefined();
  });

  it('appends policy versions and reads each back equal, bigint amounts intact', async () => {
    let w = await create('w-policy', 1, address(1));
    w = await setPolicy(w, 1);
    w = await setPolicy(w, 2);
    const read = await wallets.get('w-policy');
    expect(read).toEqual(w);
    expect(read?.policy).toEqual(policy(2));
    expect(read?.policy?.rules[0]?.match.amount?.max).toBe(HUGE + 2n);
    expect(read?.policy?.limits.perAsset?.native?.daily).toBe(HUGE * 3n);
    expect(read?.version).toBe(3);
    await expect(setPolicy(w, 4)).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await wallets.get('w-policy'))?.version).toBe(3);
  });

  it('freezes, unfreezes and locks down, and refuses what the lifecycle forbids without writing it', async () => {
    const w = await create('w-status', 2, address(0));
    const frozen = await wallets.append(w, [event(w.id, 2, 'FROZEN', { reason: 'velocity breach' })]);
    expect((await wallets.get(w.id))?.frozen).toEqual({ by: 'admin-1', reason: 'velocity breach', at: at(2) });
    await expect(wallets.append(frozen, [event(w.id, 3, 'FROZEN', { reason: 'again' })])).rejects.toMatchObject({
      code: 'LIFECYCLE.ILLEGAL_TRANSITION',
    });
    const active = await wallets.append(frozen, [event(w.id, 3, 'UNFROZEN', { reason: 'reviewed' })]);
    expect((await wallets.get(w.id))?.status).toBe('ACTIVE');
    const locked = await wallets.append(active, [
      event(w.id, 4, 'FROZEN', { reason: 'suspicious' }),
      event(w.id, 5, 'LOCKED_DOWN', { reason: 'compromise' }),
    ]);
    expect(locked.status).toBe('LOCKED_DOWN');
    await expect(wallets.append(locked, [event(w.id, 6, 'UNFROZEN', { reason: 'please' })])).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
    const read = await wallets.get(w.id);
    expect(read).toEqual(locked);
    expect(read?.lockedDown).toEqual({ by: 'admin-1', reason: 'compromise', at: at(5) });
    expect(read?.version).toBe(5);
  });

  it('lets exactly one of two concurrent appends at the same version win', async () => {
    const w = await create('w-race', 3, address(0));
    const results = await Promise.allSettled([
      wallets.append(w, [event(w.id, 2, 'FROZEN', { reason: 'writer A' })]),
      wallets.append(w, [event(w.id, 2, 'POLICY_SET', { policy: serializePolicy(policy(1)), version: 1 })]),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(ConflictError);
    expect(lost[0]).toMatchObject({ code: 'STORE.CONFLICT' });
    expect(await wallets.get(w.id)).toEqual((won[0] as PromiseFulfilledResult<Wallet>).value);
  });

  it('refuses an append on a stale wallet and keeps the stored event', async () => {
    const w = await create('w-stale', 3, address(1));
    await wallets.append(w, [event(w.id, 2, 'FROZEN', { reason: 'first' })]);
    await expect(wallets.append(w, [event(w.id, 2, 'LOCKED_DOWN', { reason: 'second' })])).rejects.toMatchObject({
      name: 'ConflictError',
      code: 'STORE.CONFLICT',
    });
    expect((await wallets.get(w.id))?.status).toBe('FROZEN');
  });

  it('never lets two wallets hold one address on a chain, in any letter case; another chain is fine', async () => {
    await create('w-addr-1', 4, address(2));
    const lower = address(2).toLowerCase() as Address;
    await expect(create('w-addr-2', 4, lower)).rejects.toMatchObject({
      code: 'STORE.DUPLICATE',
      details: { chainId: 4, address: address(2) },
    });
    expect(await wallets.get('w-addr-2')).toBeUndefined();
    await expect(create('w-addr-3', 5, address(2))).resolves.toMatchObject({ chainId: 5 });
    expect((await wallets.byAddress(4, lower))?.id).toBe('w-addr-1');
    expect((await wallets.byAddress(5, address(2)))?.id).toBe('w-addr-3');
    expect(await wallets.byAddress(4, address(3))).toBeUndefined();
  });

  it('refuses to create a wallet id twice, leaving the first wallet and its address alone', async () => {
    await create('w-twice', 6, address(0));
    await expect(create('w-twice', 6, address(1))).rejects.toMatchObject({
      code: 'STORE.DUPLICATE',
      details: { walletId: 'w-twice' },
    });
    expect((await wallets.get('w-twice'))?.address).toBe(address(0));
    expect(await wallets.byAddress(6, address(1))).toBeUndefined();
    const concurrent = await Promise.allSettled([create('w-once', 6, address(2)), create('w-once', 6, address(2))]);
    expect(concurrent.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await wallets.get('w-once'))?.version).toBe(1);
  });

  it('maps every address on a chain, lower-case, to its wallet', async () => {
    await create('w-map-1', 7, address(3));
    await create('w-map-2', 7, address(4));
    await create('w-map-x', 8, address(5));
    expect(await wallets.addressesOnChain(7)).toEqual(
      new Map([
        [address(3).toLowerCase(), 'w-map-1'],
        [address(4).toLowerCase(), 'w-map-2'],
      ]),
    );
    expect(await wallets.addressesOnChain(999)).toEqual(new Map());
  });

  it('keeps the stream append-only: a second put of an event key is refused by its condition', async () => {
    await create('w-raw', 9, address(0));
    await expect(
      tables.doc.send(
        new PutCommand({
          TableName: tables.names.events,
          Item: { pk: 'WALLET#w-raw', sk: '000000000001', type: 'LOCKED_DOWN' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});

describe('DynamoWalletStore listing', () => {
  let listing: TestTables;
  let store: DynamoWalletStore;

  beforeAll(async () => {
    listing = await freshTables();
    store = new DynamoWalletStore(listing.doc, listing.names.events);
    for (let i = 0; i < 7; i++) {
      await store.append(undefined, [
        event(
          `l-${i}`,
          1,
          'WALLET_CREATED',
          {
            name: `Wallet ${i}`,
            chainId: 1 + (i % 2),
            keyScheme: i === 6 ? 'mpc' : 'kms',
            keyId: `k-${i}`,
            address: ADDRESSES[i]!.toLowerCase() as Address,
            // An mpc wallet carries its sealed share 1, its epoch and recovery key (the lifecycle checks them).
            ...(i === 6 ? mpcKeyMaterial(`l-${i}`, ADDRESSES[i]!) : {}),
          },
          at(i),
        ),
      ]);
    }
  });
  afterAll(() => listing.client.destroy());

  it('lists summaries newest first, page by page, until no token is left', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 3, ...(nextToken === undefined ? {} : { nextToken }) });
      seen.push(...page.items.map((w) => w.id));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined && pages < 10);
    expect(seen).toEqual(['l-6', 'l-5', 'l-4', 'l-3', 'l-2', 'l-1', 'l-0']);
    const first = await store.list({ limit: 1 });
    expect(first.items).toEqual([
      { id: 'l-6', name: 'Wallet 6', chainId: 1, address: address(6), keyScheme: 'mpc', createdAt: at(6) },
    ]);
  });

  it('lists whatever the wallet’s status: the index never changes', async () => {
    const w = (await store.get('l-3'))!;
    await store.append(w, [event('l-3', 2, 'LOCKED_DOWN', { reason: 'test' })]);
    expect((await store.list()).items.map((s) => s.id)).toContain('l-3');
    const { Items } = await listing.doc.send(
      new QueryCommand({
        TableName: listing.names.events,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'WALLETS' },
        ConsistentRead: true,
      }),
    );
    expect(Items).toHaveLength(7);
  });

  it('refuses a token it did not issue, even one naming another partition', async () => {
    const foreign = Buffer.from(JSON.stringify({ pk: 'TX#x', sk: '000000000001' })).toString('base64url');
    await expect(store.list({ nextToken: foreign })).rejects.toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
      details: { field: 'nextToken' },
    });
    await expect(store.list({ nextToken: 'not a token' })).rejects.toMatchObject({ code: 'REQUEST.INVALID_FIELD' });
    await expect(store.list({ limit: 0 })).rejects.toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
      details: { field: 'limit' },
    });
  });
});

describe('DynamoApprovalGroupStore', () => {
  const group = (id: string, size: number): ApprovalGroup => ({
    id,
    name: `Group ${id}`,
    members: Array.from({ length: size }, (_, i) => ({
      id: `${id}-m${i}`,
      name: `Member ${i}`,
      ...(i === 0 ? { notify: { email: `m${i}@example.com` } } : {}),
    })),
  });

  it('creates groups, reads one back, all of them oldest first, and refuses an id twice', async () => {
    const own = await freshTables();
    try {
      const store = new DynamoApprovalGroupStore(own.doc, own.names.events);
      expect(await store.all()).toEqual([]);
      await store.create(group('treasury', 3), 'admin-1', at(1));
      await store.create(group('risk', 2), 'admin-1', at(2));
      expect(await store.get('treasury')).toEqual({ ...group('treasury', 3), version: 1 });
      expect(await store.get('nobody')).toBeUndefined();
      await expect(store.create(group('treasury', 5), 'admin-2', at(3))).rejects.toMatchObject({
        code: 'STORE.DUPLICATE',
        details: { groupId: 'treasury' },
      });
      expect(await store.get('treasury')).toEqual({ ...group('treasury', 3), version: 1 });
      expect(await store.all()).toEqual([
        { ...group('treasury', 3), version: 1 },
        { ...group('risk', 2), version: 1 },
      ]);
    } finally {
      own.client.destroy();
    }
  });

  it('sets a new member list only at the version it was read at, and applies a change id once', async () => {
    await groups.create(group('members', 3), 'admin-1', at(1));
    const fewer = group('members', 2).members;
    const set = await groups.setMembers('members', fewer, { expectedVersion: 1, by: 'admin-1', at: at(2) });
    expect(set).toEqual({ ...group('members', 3), members: fewer, version: 2 });
    // A stale read (version 1) is refused and changes nothing.
    await expect(
      groups.setMembers('members', group('members', 4).members, { expectedVersion: 1, by: 'admin-2', at: at(3) }),
    ).rejects.toMatchObject({ code: 'STORE.CONFLICT', details: { expectedVersion: 1, version: 2 } });
    // A governed change applied twice (a retried sweep) appends once.
    const more = group('members', 4).members;
    const change = { expectedVersion: 2, by: 'governance', at: at(4), changeId: 'chg-0001' };
    await groups.setMembers('members', more, change);
    expect(await groups.setMembers('members', more, change)).toMatchObject({ members: more, version: 3 });
    expect((await groups.get('members'))?.version).toBe(3);
    await expect(groups.setMembers('nobody', fewer, { expectedVersion: 1, by: 'a', at: at(5) })).rejects.toMatchObject({
      code: 'APPROVAL.GROUP_NOT_FOUND',
    });
  });

  it('lets one of two concurrent creations of an id win', async () => {
    const results = await Promise.allSettled([
      groups.create(group('race', 2), 'a', at(1)),
      groups.create(group('race', 4), 'b', at(1)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [lost] = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code: string }] : []));
    expect(['STORE.DUPLICATE', 'STORE.CONFLICT']).toContain(lost?.code);
    expect((await groups.all()).filter((g) => g.id === 'race')).toHaveLength(1);
  });
});

/** What an mpc wallet's WALLET_CREATED carries besides a kms wallet's (public: no share in the clear). */
function mpcKeyMaterial(walletId: string, address: string) {
  return {
    sealedKey: {
      format: 'strongroom.sealed.v1' as const,
      context: { deployment: 'd', walletId, purpose: 'key-share' as const, version: '1' },
      address: address as Address,
      encryptedDataKey: 'AQID',
      iv: 'AAAAAAAAAAAAAAAA',
      ciphertext: 'BAUG',
    },
    keyShares: { epoch: '1', recoveryPublicKey: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' },
    attestationSha256: `0x${'ab'.repeat(32)}` as const,
  };
}
