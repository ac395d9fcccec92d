import type { Hex } from 'viem';
import { sameAddress } from '../../domain/address';
import type { Asset } from '../../domain/asset';
import type { ReleaseLog, ShareRelease } from '../ports/release-log';

/** The release log in memory, for tests and the local runtime: append-only, once per (walletId, proofId). */
export class MemoryReleaseLog implements ReleaseLog {
  private readonly entries: ShareRelease[] = [];

  async record(release: ShareRelease): Promise<'recorded' | 'already-recorded'> {
    if (this.entries.some((e) => e.walletId === release.walletId && e.proofId === release.proofId))
      return 'already-recorded';
    this.entries.push({ ...release, at: new Date(release.at) });
    return 'recorded';
  }

  async find(walletId: string, proofId: Hex): Promise<ShareRelease | undefined> {
    const found = this.entries.find((e) => e.walletId === walletId && e.proofId === proofId);
    return found === undefined ? undefined : { ...found };
  }

  async releasedSince(walletId: string, asset: Asset, since: Date): Promise<bigint> {
    return this.entries
      .filter((e) => e.walletId === walletId && sameAsset(e.asset, asset) && e.at.getTime() >= since.getTime())
      .reduce((sum, e) => sum + e.amount, 0n);
  }

  /** Every release, oldest first: what an auditor (or a test) reads. */
  all(): readonly ShareRelease[] {
    return this.entries.map((e) => ({ ...e }));
  }
}

const sameAsset = (a: Asset, b: Asset): boolean => (a === 'native' || b === 'native' ? a === b : sameAddress(a, b));
