import type { TransferDeps } from '../transfers/transfer-deps';

export type CheckResult = 'ok' | 'fail';

export interface Health {
  readonly status: 'ok' | 'fail';
  readonly checks: { readonly dynamodb: CheckResult; readonly chains: Readonly<Record<string, CheckResult>> };
}

const TIMEOUT_MS = 3_000;

/**
 * Whether the service's dependencies answer (`GET /v1/health`): one strongly consistent read of the
 * events table and each chain's head block, each within a few seconds. Only ok or fail per
 * dependency: no error text, endpoint or version, since the route is unauthenticated.
 */
export async function checkHealth(
  deps: Pick<TransferDeps, 'wallets' | 'chains'>,
  timeoutMs = TIMEOUT_MS,
): Promise<Health> {
  const chains = deps.chains.all();
  const [dynamodb, ...heads] = await Promise.all([
    probe(() => deps.wallets.get('health-probe'), timeoutMs),
    ...chains.map((chain) => probe(() => chain.headBlockNumber(), timeoutMs)),
  ]);
  const chainChecks = Object.fromEntries(chains.map((chain, i) => [String(chain.config.chainId), heads[i] ?? 'fail']));
  const ok = dynamodb === 'ok' && Object.values(chainChecks).every((c) => c === 'ok');
  return { status: ok ? 'ok' : 'fail', checks: { dynamodb, chains: chainChecks } };
}

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('fail'), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        (): CheckResult => 'ok',
        (): CheckResult => 'fail',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
