import { ConflictError, StrongroomError } from '../../lambdas/domain/errors';
import type { AuditEntry, AuditRecord } from '../../lambdas/domain/audit/audit-chain';
import type {
  ExceptionResolution,
  ExceptionStatus,
  ReconciliationException,
} from '../../lambdas/domain/reconciliation/reconciliation-exception';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import type { WalletEvent } from '../../lambdas/domain/wallets/wallet-events';
import { applyWalletEvent } from '../../lambdas/domain/wallets/wallet-lifecycle';
import type { Alarm, AlarmSink } from '../../lambdas/ports/alarm-sink';
import type { AuditLog } from '../../lambdas/ports/audit-log';
import type { Cursor, CursorStore } from '../../lambdas/ports/cursor-store';
import type { Page, PageRequest } from '../../lambdas/ports/page';
import type { ExceptionEntry, ReconciliationStore } from '../../lambdas/ports/reconciliation-store';
import type { WalletStore } from '../../lambdas/ports/wallet-store';

// In-memory fakes of the ports the reconciliation use cases need, with the same contracts as the
// DynamoDB adapters (append-only, conditional on ids), so a rule can be checked in milliseconds.

/** The exception queue in memory; pages are offsets, newest first. */
export class MemoryReconciliationStore implements ReconciliationStore {
  private readonly exceptions: ReconciliationException[] = [];
  private readonly resolutions = new Map<string, ExceptionResolution>();

  async record(exception: ReconciliationException): Promise<{ readonly recorded: boolean }> {
    if (this.exceptions.some((e) => e.id === exception.id)) return { recorded: false };
    this.exceptions.push(exception);
    return { recorded: true };
  }

  async get(id: string): Promise<ExceptionEntry | undefined> {
    const exception = this.exceptions.find((e) => e.id === id);
    return exception === undefined ? undefined : this.entry(exception);
  }

  async list(filter: {
    readonly walletId?: string;
    readonly status?: ExceptionStatus;
    readonly page?: PageRequest;
  }): Promise<Page<ExceptionEntry>> {
    const all = [...this.exceptions]
      .reverse()
      .filter((e) => filter.walletId === undefined || e.walletId === filter.walletId)
      .map((e) => this.entry(e))
      .filter((e) => filter.status === undefined || (e.resolution === undefined) === (filter.status === 'open'));
    const start = Number(filter.page?.nextToken ?? '0');
    const limit = filter.page?.limit ?? 50;
    const items = all.slice(start, start + limit);
    return start + limit < all.length ? { items, nextToken: String(start + limit) } : { items };
  }

  async resolve(exception: ReconciliationException, resolution: ExceptionResolution): Promise<void> {
    if (!this.exceptions.some((e) => e.id === exception.id))
      throw new StrongroomError('STORE.NOT_FOUND', `no exception ${exception.id}`);
    if (this.resolutions.has(exception.id))
      throw new StrongroomError('STORE.DUPLICATE', `exception ${exception.id} is resolved already`);
    this.resolutions.set(exception.id, resolution);
  }

  all(): readonly ReconciliationException[] {
    return [...this.exceptions];
  }

  private entry(exception: ReconciliationException): ExceptionEntry {
    const resolution = this.resolutions.get(exception.id);
    return resolution === undefined ? { exception } : { exception, resolution };
  }
}

/** Alarms kept in order. */
export class MemoryAlarmSink implements AlarmSink {
  readonly raised: Alarm[] = [];
  async raise(alarm: Alarm): Promise<void> {
    this.raised.push(alarm);
  }
}

/** Audit entries kept in order; trails and checkpoints are not part of these tests. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async append(entry: AuditEntry): Promise<AuditRecord> {
    this.entries.push(entry);
    return { ...entry, seq: this.entries.length, prevHash: '0x', hash: '0x' };
  }
  trail(): never {
    throw new Error('not in this fake');
  }
  writeCheckpoint(): never {
    throw new Error('not in this fake');
  }
  verifyCheckpoints(): never {
    throw new Error('not in this fake');
  }
}

/** Wallet streams folded by the real lifecycle; an append on a stale wallet is a ConflictError. */
export class MemoryWalletStore implements WalletStore {
  private readonly wallets = new Map<string, Wallet>();

  async append(current: Wallet | undefined, events: readonly WalletEvent[]): Promise<Wallet> {
    const stored = current === undefined ? undefined : this.wallets.get(current.id);
    if (current !== undefined && stored?.version !== current.version)
      throw new ConflictError('STORE.CONFLICT', 'moved');
    let next = current;
    for (const event of events) next = applyWalletEvent(next, event);
    this.wallets.set(next!.id, next!);
    return next!;
  }
  async get(id: string): Promise<Wallet | undefined> {
    return this.wallets.get(id);
  }
  list(): never {
    throw new Error('not in this fake');
  }
  async byAddress(chainId: number, address: string): Promise<Wallet | undefined> {
    return [...this.wallets.values()].find(
      (w) => w.chainId === chainId && w.address.toLowerCase() === address.toLowerCase(),
    );
  }
  async addressesOnChain(chainId: number): Promise<ReadonlyMap<string, string>> {
    return new Map(
      [...this.wallets.values()].filter((w) => w.chainId === chainId).map((w) => [w.address.toLowerCase(), w.id]),
    );
  }
  /** Creates an ACTIVE wallet. */
  async create(id: string, address: `0x${string}`, chainId = 31337): Promise<Wallet> {
    return this.append(undefined, [
      {
        walletId: id,
        seq: 1,
        type: 'WALLET_CREATED',
        at: new Date('2026-12-01T00:00:00Z'),
        actor: 'admin',
        data: { name: id, chainId, keyScheme: 'kms', keyId: `key-${id}`, address },
      },
    ]);
  }
}

/** Cursors as versions in memory, with the store's conditional advance. */
export class MemoryCursorStore implements CursorStore {
  private readonly cursors = new Map<string, Cursor>();
  async read(name: string): Promise<Cursor | undefined> {
    return this.cursors.get(name);
  }
  async advance(name: string, expected: Cursor | undefined, position: string, at: Date): Promise<Cursor> {
    if (this.cursors.get(name)?.version !== expected?.version) throw new ConflictError('STORE.CONFLICT', 'moved');
    const next = { name, position, version: (expected?.version ?? 0) + 1, at };
    this.cursors.set(name, next);
    return next;
  }
}
