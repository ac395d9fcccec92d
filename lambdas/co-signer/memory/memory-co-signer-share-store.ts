import { sameShare } from '../domain/same-share';
import type { CoSignerShare } from '../../../enclave-host/contract';
import type {
  CoSignerShareRecord,
  CoSignerShareStore,
  RegisterOutcome,
  RetireOutcome,
} from '../ports/co-signer-share-store';

/** The share store in memory, for tests and the local runtime: the port's semantics, one process. */
export class MemoryCoSignerShareStore implements CoSignerShareStore {
  /** walletId → epoch → record. */
  private readonly records = new Map<string, Map<string, CoSignerShareRecord>>();

  async register(share: CoSignerShare, at: Date): Promise<RegisterOutcome> {
    const { walletId, epoch } = share.context;
    const epochs = this.records.get(walletId) ?? new Map<string, CoSignerShareRecord>();
    const existing = epochs.get(epoch);
    if (existing !== undefined) return sameShare(existing.share, share) ? 'already-registered' : 'conflict';
    epochs.set(epoch, { share: structuredClone(share), registeredAt: at });
    this.records.set(walletId, epochs);
    return 'registered';
  }

  async current(walletId: string): Promise<CoSignerShareRecord | undefined> {
    const epochs = [...(this.records.get(walletId)?.values() ?? [])];
    const latest = epochs.reduce<CoSignerShareRecord | undefined>(
      (best, record) =>
        best === undefined || Number(record.share.context.epoch) > Number(best.share.context.epoch) ? record : best,
      undefined,
    );
    return latest === undefined ? undefined : structuredClone(latest);
  }

  async retire(walletId: string, epoch: string, reason: string, at: Date): Promise<RetireOutcome> {
    const epochs = this.records.get(walletId);
    const existing = epochs?.get(epoch);
    if (epochs === undefined || existing === undefined) return 'unknown';
    if (existing.retired !== undefined) return 'already-retired';
    epochs.set(epoch, { ...existing, retired: { at, reason } });
    return 'retired';
  }
}
