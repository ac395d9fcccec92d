import type { AuditEntry, AuditRecord } from '../../lambdas/domain/audit/audit-chain';
import { ConflictError, StrongroomError } from '../../lambdas/domain/errors';
import type { TransferPosting } from '../../lambdas/domain/ledger/posting';
import type { TransferEvent, TransferEventOf } from '../../lambdas/domain/lifecycle/transfer-events';
import { applyTransferEvent } from '../../lambdas/domain/lifecycle/transfer-lifecycle';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import type { AuditLog, AuditTrail } from '../../lambdas/ports/audit-log';
import type { ChainGateway } from '../../lambdas/ports/chain';
import type { ChainRegistry } from '../../lambdas/ports/chain-registry';
import type { StepWrites, TransferEventStore } from '../../lambdas/ports/transfer-event-store';
import type { TransferSubmission, TransferSubmissionStore } from '../../lambdas/ports/transfer-submission-store';
import type { WalletStore } from '../../lambdas/ports/wallet-store';
import type { WorkflowEngine, WorkflowStart } from '../../lambdas/ports/workflow-engine';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import { anvilChainConfig } from './custody-chain';

// In-memory fakes of the ports the transfer use cases need, with the DynamoDB adapters' contracts
// (an append names the state it builds on; a transfer id is submitted once), so a rule of submit can
// be checked in milliseconds.

/** Transfer streams folded by the real lifecycle; an append on a stale state is a ConflictError. */
export class MemoryTransferEventStore implements TransferEventStore {
  private readonly streams = new Map<string, TransferEvent[]>();
  /** Every successful append, in order (a submission's SUBMITTED included). */
  readonly appended: TransferEvent[] = [];

  /** Where audit records written with events go (an append's `writes.audit`), when set. */
  audit: MemoryAuditEntries | undefined;

  async append(
    current: TransferState | undefined,
    events: readonly TransferEvent[],
    writes: StepWrites = {},
  ): Promise<TransferState> {
    let next = current;
    for (const event of events) next = applyTransferEvent(next, event);
    const id = next!.id;
    const stream = this.streams.get(id) ?? [];
    if (stream.length !== (current?.seq ?? 0))
      throw new ConflictError('STORE.CONFLICT', `transfer ${id} moved past seq ${current?.seq ?? 0}`);
    this.streams.set(id, [...stream, ...events]);
    this.appended.push(...events);
    if (writes.audit !== undefined) await this.audit?.append(writes.audit);
    return next!;
  }
  async resume(transferId: string): Promise<TransferState | undefined> {
    return this.load(transferId);
  }
  streamOf(): string | undefined {
    return undefined;
  }
  async read(transferId: string): Promise<readonly TransferEvent[]> {
    return this.streams.get(transferId) ?? [];
  }
  async load(transferId: string): Promise<TransferState | undefined> {
    const events = this.streams.get(transferId);
    if (events === undefined) return undefined;
    let state: TransferState | undefined;
    for (const event of events) state = applyTransferEvent(state, event);
    return state;
  }
  listByWallet(): never {
    throw new Error('not in this fake');
  }
  listByStatus(): never {
    throw new Error('not in this fake');
  }
}

/**
 * The submit transaction in memory: the SUBMITTED event and the reservation together or not at all.
 * A transfer id submitted before is STORE.DUPLICATE; a reservation above `available` is
 * LEDGER.INSUFFICIENT_FUNDS. `beforeCommit` runs just before the check, to interleave a rival.
 */
export class MemoryTransferSubmissionStore implements TransferSubmissionStore {
  readonly reservations: TransferPosting[] = [];
  beforeCommit: (() => Promise<void>) | undefined;

  constructor(
    private readonly events: MemoryTransferEventStore,
    private available = 10n ** 24n,
  ) {}

  async submit({ events, reservation, audit }: TransferSubmission): Promise<TransferState> {
    const submitted = events[0] as TransferEventOf<'SUBMITTED'>;
    await this.beforeCommit?.();
    const held = submitted.data.reserved.amount + submitted.data.feeAllowance;
    if (held > this.available) throw new StrongroomError('LEDGER.INSUFFICIENT_FUNDS', 'not enough available');
    let state: TransferState;
    try {
      // The event store's check and write happen without a yield in between: the conditional put.
      state = await this.events.append(undefined, events, { audit });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      throw new StrongroomError('STORE.DUPLICATE', `transfer ${submitted.transferId} was submitted already`);
    }
    this.available -= held;
    this.reservations.push(reservation);
    return state;
  }
}

/** Executions by name: a name starts once; a repeat answers `started: false`. */
export class MemoryWorkflowEngine implements WorkflowEngine {
  readonly starts: { readonly executionName: string; readonly input: object }[] = [];
  private readonly names = new Set<string>();

  async start(executionName: string, input: object): Promise<WorkflowStart> {
    this.starts.push({ executionName, input });
    const started = !this.names.has(executionName);
    this.names.add(executionName);
    return { executionArn: `arn:local:execution:${executionName}`, started };
  }
  /** Executions actually started (distinct names). */
  get executions(): readonly string[] {
    return [...this.names];
  }
  sendTaskSuccess(): never {
    throw new Error('not in this fake');
  }
  sendTaskFailure(): never {
    throw new Error('not in this fake');
  }
}

/**
 * Audit entries in order, with each trace's records readable (`trail`); verification and checkpoints
 * are not part of these tests. Only `append` and `trail` exist: cast it where an AuditLog is asked.
 */
export class MemoryAuditEntries implements Pick<AuditLog, 'append' | 'trail'> {
  readonly entries: AuditEntry[] = [];

  async append(entry: AuditEntry): Promise<AuditRecord> {
    this.entries.push(entry);
    const seq = this.entries.filter((e) => e.traceId === entry.traceId).length;
    return { ...entry, seq, prevHash: '0x', hash: '0x' } as unknown as AuditRecord;
  }
  async trail(traceId: string): Promise<AuditTrail> {
    const records = this.entries
      .filter((e) => e.traceId === traceId)
      .map((e, i) => ({ ...e, seq: i + 1, prevHash: '0x', hash: '0x' }));
    return { traceId, records } as unknown as AuditTrail;
  }
  asAuditLog(): AuditLog {
    return this as unknown as AuditLog;
  }
}

/** A chain that knows only its configuration; an approve's allowance read fails (counted in full). */
export function configOnlyChains(chainId = 31337): ChainRegistry {
  const config = anvilChainConfig('http://127.0.0.1:1', chainId, { name: 'test', confirmations: 1 });
  const gateway = {
    config,
    allowance: async (): Promise<bigint> => {
      throw new Error('no node in this fake');
    },
  } as unknown as ChainGateway;
  return {
    get: (id: number) => {
      if (id !== chainId) throw new StrongroomError('CHAIN.UNKNOWN', `no chain ${id}`);
      return gateway;
    },
    all: () => [gateway],
  };
}

/** Wallets to read (submit only reads them): `put` one, or change its status. */
export class MemoryWalletReads implements Pick<WalletStore, 'get'> {
  private readonly wallets = new Map<string, Wallet>();

  async get(id: string): Promise<Wallet | undefined> {
    return this.wallets.get(id);
  }
  /** An ACTIVE wallet on chain 31337 (policy-less: submit does not read policy). */
  put(id: string, address: `0x${string}`, status: Wallet['status'] = 'ACTIVE'): void {
    const at = new Date('2026-12-01T00:00:00Z');
    this.wallets.set(id, {
      id,
      name: id,
      chainId: 31337,
      keyScheme: 'kms',
      keyId: `key-${id}`,
      address,
      status,
      createdAt: at,
      createdBy: 'admin',
      updatedAt: at,
      version: 1,
    } as Wallet);
  }
  asWalletStore(): WalletStore {
    return this as unknown as WalletStore;
  }
}
