import type { Hex } from 'viem';
import { MemoryCoSignerShareStore } from '../../../lambdas/co-signer/memory/memory-co-signer-share-store';
import { MemoryReleaseLog } from '../../../lambdas/co-signer/memory/memory-release-log';
import type { ShareRelease } from '../../../lambdas/co-signer/ports/release-log';
import { coSignerShare, NOW, USDC, WALLET } from './co-signer-fixtures';

describe('the memory share store', () => {
  it('keeps one share per wallet and epoch: the same again is fine, a different one is refused', async () => {
    const store = new MemoryCoSignerShareStore();
    const share = coSignerShare();
    expect(await store.register(share, NOW)).toBe('registered');
    expect(await store.register(structuredClone(share), NOW)).toBe('already-registered');
    expect(await store.register(coSignerShare(), NOW)).toBe('conflict');
    expect((await store.current(WALLET))?.share).toEqual(share);
  });

  it('gives the highest epoch as current, and retires an epoch once', async () => {
    const store = new MemoryCoSignerShareStore();
    await store.register(coSignerShare({ epoch: '2' }), NOW);
    await store.register(coSignerShare({ epoch: '10' }), NOW);
    await store.register(coSignerShare({ epoch: '9' }), NOW);
    expect((await store.current(WALLET))?.share.context.epoch).toBe('10');
    expect(await store.retire(WALLET, '10', 'key revoked', NOW)).toBe('retired');
    expect(await store.retire(WALLET, '10', 'again', NOW)).toBe('already-retired');
    expect(await store.retire(WALLET, '3', 'no such epoch', NOW)).toBe('unknown');
    expect((await store.current(WALLET))?.retired).toEqual({ at: NOW, reason: 'key revoked' });
    expect(await store.current('wallet-none')).toBeUndefined();
  });
});

describe('the memory release log', () => {
  const release = (proofId: Hex, amount: bigint, at: Date, asset: ShareRelease['asset'] = 'native'): ShareRelease => ({
    walletId: WALLET,
    proofId,
    jobId: `tr:1:${proofId}`,
    transferId: 'tr',
    epoch: '1',
    asset,
    amount,
    recipientKeyDigest: `0x${'00'.repeat(32)}`,
    at,
  });
  const UNCAPPED = 2n ** 255n;
  const P1: Hex = `0x${'01'.repeat(32)}`;
  const P2: Hex = `0x${'02'.repeat(32)}`;
  const P3: Hex = `0x${'03'.repeat(32)}`;

  it('records once per proof, and sums a wallet’s releases of an asset since an instant', async () => {
    const log = new MemoryReleaseLog();
    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    expect(await log.recordWithinCap(release(P1, 5n, hourAgo), UNCAPPED, hourAgo)).toBe('recorded');
    expect(await log.recordWithinCap(release(P1, 500n, NOW), UNCAPPED, hourAgo)).toBe('already-recorded');
    await log.recordWithinCap(release(P2, 7n, NOW), UNCAPPED, hourAgo);
    await log.recordWithinCap(release(P3, 11n, NOW, USDC), UNCAPPED, hourAgo);
    expect(await log.releasedSince(WALLET, 'native', hourAgo)).toBe(12n);
    expect(await log.releasedSince(WALLET, 'native', NOW)).toBe(7n);
    expect(await log.releasedSince(WALLET, USDC.toLowerCase() as typeof USDC, hourAgo)).toBe(11n);
    expect(await log.releasedSince('wallet-other', 'native', hourAgo)).toBe(0n);
    expect((await log.find(WALLET, P1))?.amount).toBe(5n);
    expect(await log.find(WALLET, `0x${'04'.repeat(32)}`)).toBeUndefined();
  });
});
