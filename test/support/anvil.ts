import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  type Chain,
  type HttpTransport,
  type PrivateKeyAccount,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  DEFAULT_ANVIL_ACCOUNTS,
  startAnvil,
  type Anvil,
  type DevAccount,
  type StartAnvilOptions,
} from '../../local/anvil';
import { anvilDevAccounts } from '../../local/anvil-dev-accounts';

/**
 * viem clients for an anvil chain in tests.
 *
 * Two kinds:
 * - {@link sharedTestAnvil}: the one anvil the integration global setup starts. Jest runs test files
 *   in parallel workers against it, so a test on it must not change automine or interval mining,
 *   mine, snapshot/revert, reorg, set the time or depend on block numbers (other files add blocks at
 *   any moment), and must not send from the development accounts (two workers would race for the
 *   same nonce): send from {@link fundedWalletClient}, a fresh key per test.
 * - {@link startTestAnvil}: a dedicated anvil for one test file, for anything that needs the chain to
 *   itself (automine off, evm_mine, reorgs, time travel, exact block numbers). Stop it in `afterAll`.
 */

export type AnvilWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;

export interface TestChain {
  readonly rpcUrl: string;
  readonly chain: Chain;
  /** The funded development accounts. */
  readonly accounts: readonly DevAccount[];
  readonly testClient: TestClient<'anvil', HttpTransport, Chain>;
  readonly publicClient: PublicClient<HttpTransport, Chain>;
  /** A wallet client that signs locally with development account `index` (default 0). */
  walletClient(index?: number): AnvilWalletClient;
}

export interface DedicatedTestChain extends TestChain {
  readonly anvil: Anvil;
  stop(): Promise<void>;
}

// Anvil mines instantly; viem's default 4 s polling would make every receipt wait take seconds.
const POLLING_INTERVAL_MS = 50;
// Tests read right after they change the chain: a cached block number would be stale.
const CACHE_TIME_MS = 0;

/** Starts an anvil of its own for this test file. */
export async function startTestAnvil(options: StartAnvilOptions = {}): Promise<DedicatedTestChain> {
  const anvil = await startAnvil(options);
  return { ...testChain(anvil.rpcUrl, anvil.chainId, anvil.accounts), anvil, stop: () => anvil.stop() };
}

let shared: TestChain | undefined;

/** The anvil shared by every integration test file (see the rules above). */
export function sharedTestAnvil(): TestChain {
  if (shared) return shared;
  const rpcUrl = process.env.STRONGROOM_TEST_ANVIL_RPC_URL;
  const chainId = Number(process.env.STRONGROOM_TEST_ANVIL_CHAIN_ID);
  if (!rpcUrl || !Number.isSafeInteger(chainId)) {
    throw new Error(
      'STRONGROOM_TEST_ANVIL_RPC_URL / STRONGROOM_TEST_ANVIL_CHAIN_ID are not set: run integration tests through jest (global setup starts anvil)',
    );
  }
  shared = testChain(rpcUrl, chainId, anvilDevAccounts(DEFAULT_ANVIL_ACCOUNTS));
  return shared;
}

/** A wallet client for a new random key, given `balance` wei with anvil_setBalance (no transaction, so no nonce to race for). */
export async function fundedWalletClient(
  chain: TestChain,
  balance: bigint = parseEther('100'),
): Promise<AnvilWalletClient> {
  const account = privateKeyToAccount(generatePrivateKey());
  await chain.testClient.setBalance({ address: account.address, value: balance });
  return walletClientFor(chain, account);
}

/** anvil_reorg: replaces the last `depth` blocks with new empty ones (viem has no action for it). */
export async function reorg(chain: TestChain, depth: number): Promise<void> {
  await chain.testClient.request<{ Method: 'anvil_reorg'; Parameters: [number, []]; ReturnType: null }>({
    method: 'anvil_reorg',
    params: [depth, []],
  });
}

function testChain(rpcUrl: string, chainId: number, accounts: readonly DevAccount[]): TestChain {
  const chain = defineChain({
    id: chainId,
    name: `anvil ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const result: TestChain = {
    rpcUrl,
    chain,
    accounts,
    testClient: createTestClient({
      mode: 'anvil',
      chain,
      transport,
      pollingInterval: POLLING_INTERVAL_MS,
      cacheTime: CACHE_TIME_MS,
    }),
    publicClient: createPublicClient({
      chain,
      transport,
      pollingInterval: POLLING_INTERVAL_MS,
      cacheTime: CACHE_TIME_MS,
    }),
    walletClient: (index = 0) => {
      const account = accounts[index];
      if (!account) throw new Error(`anvil has ${accounts.length} development accounts, no index ${index}`);
      return walletClientFor(result, privateKeyToAccount(account.privateKey));
    },
  };
  return result;
}

function walletClientFor(chain: TestChain, account: PrivateKeyAccount): AnvilWalletClient {
  return createWalletClient({
    account,
    chain: chain.chain,
    transport: http(chain.rpcUrl),
    pollingInterval: POLLING_INTERVAL_MS,
    cacheTime: CACHE_TIME_MS,
  });
}
