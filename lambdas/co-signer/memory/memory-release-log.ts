import type { Hex } from 'viem';
import type { Asset } from '../../domain/asset';
import { sameAsset, withinCap } from '../domain/daily-cap';
import type { RecordOutcome, ReleaseLog, ShareRelease } from '../ports/release-log';

/**
 * The release log in memory, for tests and the local runtime: append-only, once per (walletId, proofId).
 * `recordWithinCap` has no await between the sum and the append, so in one process it is one step.
 */
export class MemoryReleaseLog implements ReleaseLog {
  private readonly entries: ShareRelease[] = [];

  async recordWithinCap(release: ShareRelease, cap: bigint, windowStart: Date): Promise<RecordOutcome> {
    if (this.entries.some((e) => e.walletId === release.walletId && e.proofId === release.proofId))
      return 'already-recorded';
    const releasedInWindow = this.sum(release.walletId, release.asset, windowStart);
    if (!withinCap(cap, releasedInWindow, release.amount)) return { kind: 'cap-exceeded', releasedInWindow };
    this.entries.push({ ...release, at: new Date(release.at) });
    return 'recorded';
  }

  async find(walletId: string, proofId: Hex): Promise<ShareRelease | undefined> {
    const found = this.entries.find((e) => e.walletId === walletId && e.proofId === proofId);
    return found === undefined ? undefined : { ...found };
  }

  async releasedSince(walletId: string, asset: Asset, since: Date): Promise<bigint> {
    return this.sum(walletId, asset, since);
  }

  /** Every release, oldest first: what an auditor (or a test) reads. */
  all(): readonly ShareRelease[] {
    return this.entries.map((e) => ({ ...e }));
  }

  private sum(walletId: string, asset: Asset, since: Date): bigint {
    return this.entries
      .filter((e) => e.walletId === walletId && sameAsset(e.asset, asset) && e.at.getTime() >= since.getTime())
      .reduce((sum, e) => sum + e.amount, 0n);
  }
}
