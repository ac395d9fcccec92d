import type { ChainGateway } from '../../../lambdas/ports/chain';
import type { ChainRegistry } from '../../../lambdas/ports/chain-registry';
import type { WalletStore } from '../../../lambdas/ports/wallet-store';
import { checkHealth } from '../../../lambdas/use-cases/health/check-health';

const chain = (chainId: number, head: () => Promise<bigint>) =>
  ({ config: { chainId }, headBlockNumber: head }) as unknown as ChainGateway;
const registry = (...chains: ChainGateway[]): ChainRegistry => ({ all: () => chains, get: () => chains[0]! });
const wallets = (get: () => Promise<undefined>) => ({ get }) as unknown as WalletStore;
const never = () => new Promise<never>(() => undefined);

describe('checkHealth', () => {
  it('is ok when the table read and every chain head answer', async () => {
    const health = await checkHealth({
      wallets: wallets(async () => undefined),
      chains: registry(
        chain(1, async () => 10n),
        chain(8453, async () => 5n),
      ),
    });
    expect(health).toEqual({ status: 'ok', checks: { dynamodb: 'ok', chains: { '1': 'ok', '8453': 'ok' } } });
  });

  it('fails the dependency that throws or does not answer in time, and says nothing else about it', async () => {
    const health = await checkHealth(
      {
        wallets: wallets(() =>
          Promise.reject(new Error('ResourceNotFoundException: table strongroom-events at 10.0.0.1')),
        ),
        chains: registry(
          chain(1, async () => 10n),
          chain(8453, never),
        ),
      },
      50,
    );
    expect(health).toEqual({ status: 'fail', checks: { dynamodb: 'fail', chains: { '1': 'ok', '8453': 'fail' } } });
  });

  it('fails on a slow table read too', async () => {
    const health = await checkHealth({ wallets: wallets(never), chains: registry(chain(1, async () => 10n)) }, 50);
    expect(health.status).toBe('fail');
    expect(health.checks.dynamodb).toBe('fail');
  });
});
