import { randomBytes } from 'node:crypto';
import { parseEther } from 'viem';
import type { ChainConfig } from '../../lambdas/domain/chain/chain-config';
import { LocalKeyVault } from '../../lambdas/adapters/local/local-key-vault';
import { OutboxNotifier } from '../../lambdas/adapters/local/outbox-notifier';
import { Composer, type Ports, type ProvidedPorts } from '../../lambdas/composition/compose';
import { NO_METRICS } from '../../lambdas/observability/metrics';
import type { ApprovalGroup } from '../../lambdas/domain/approvals/approval-group';
import type { Asset } from '../../lambdas/domain/asset';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import { parsePolicy, serializePolicy } from '../../lambdas/domain/policy/parse-policy';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import type { WalletEvent } from '../../lambdas/domain/wallets/wallet-events';
import { composeTransferWorkflow, type WrapHandlers } from '../../local/workflow/transfer-workflow';
import type { LocalWorkflowEngine } from '../../local/workflow/local-workflow-engine';
import { startTestAnvil, type DedicatedTestChain } from './anvil';
import { anvilChainConfig } from './custody-chain';
import { freshTables, type TestTables } from './dynamodb';

/**
 * The transfer workflow on one machine for integration tests: DynamoDB Local tables of its own, an
 * anvil of its own, the local key vault, and the ASL run by the local workflow engine with the real
 * task handlers (waits scaled down). Configured the way the local runtime configures the handlers:
 * through environment variables read once, plus the engine and outbox handed over in-process.
 */
export interface WorkflowStack {
  readonly chain: DedicatedTestChain;
  readonly tables: TestTables;
  readonly engine: LocalWorkflowEngine;
  readonly outbox: OutboxNotifier;
  readonly vault: LocalKeyVault;
  readonly deps: Ports;
  /** What built the functions' ports: tests build a handler of their own with it (`fn.create(await composer.compose(fn.manifest))`). */
  readonly composer: Composer;
  createWallet(name: string, options?: { keyId?: string }): Promise<Wallet>;
  setPolicy(wallet: Wallet, policy: object): Promise<Wallet>;
  createGroup(id: string, memberIds: readonly string[]): Promise<ApprovalGroup>;
  /** Gives the wallet `amount` on chain and credits it in the ledger (as the deposit watcher would). */
  fund(wallet: Wallet, asset: Asset, amount: bigint): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkflowStackOptions {
  readonly confirmations?: number;
  readonly provide?: (deps: { vault: LocalKeyVault; config: ChainConfig }) => Partial<ProvidedPorts>;
  readonly wrapHandlers?: WrapHandlers;
}

export async function startWorkflowStack(options: WorkflowStackOptions = {}): Promise<WorkflowStack> {
  const [chain, tables] = await Promise.all([startTestAnvil(), freshTables()]);
  const vault = await LocalKeyVault.open({ passphrase: 'test passphrase', testOnlyWeakKdf: true, scryptN: 1024 });
  const approvalKey = await vault.createKey({ ownerId: 'deployment', purpose: 'approval' });
  const auditKey = await vault.createKey({ ownerId: 'deployment', purpose: 'audit' });
  const config = anvilChainConfig(chain.rpcUrl, chain.chain.id, {
    confirmations: options.confirmations ?? 1,
    stuckAfterSeconds: 30,
  });
  Object.assign(process.env, {
    STRONGROOM_DEPLOYMENT_ID: 'strongroom-test',
    STRONGROOM_TABLES: JSON.stringify(tables.names),
    STRONGROOM_DYNAMODB_ENDPOINT: process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT,
    STRONGROOM_CHAINS: JSON.stringify([chainJson(config)]),
    STRONGROOM_KEY_BACKEND: 'local',
    STRONGROOM_LOCAL_VAULT_PASSPHRASE: 'test passphrase',
    STRONGROOM_LOCAL_VAULT_WEAK_KDF: 'true',
    STRONGROOM_LOCAL_SEALER_KEY: randomBytes(32).toString('hex'),
    STRONGROOM_PAGE_TOKEN_KEY: randomBytes(32).toString('hex'),
    STRONGROOM_APPROVAL_KEY_ID: approvalKey.keyId,
    STRONGROOM_APPROVAL_KEY_ADDRESS: approvalKey.address,
    STRONGROOM_AUDIT_KEY_ID: auditKey.keyId,
    STRONGROOM_DENY_LIST: JSON.stringify(['0x000000000000000000000000000000000000dEaD']),
    STRONGROOM_CONFIRMATION_POLL_SECONDS: '1',
    // 0.5 ETH on the test chain: transfers above it get a travel-rule record.
    STRONGROOM_TRAVEL_RULE_THRESHOLDS: JSON.stringify({ [String(chain.chain.id)]: parseEther('0.5').toString() }),
  });
  const outbox = new OutboxNotifier();
  const { engine, composer } = await composeTransferWorkflow(
    (workflow) =>
      new Composer(process.env, {
        workflow,
        notifier: outbox,
        keyVault: vault,
        metrics: NO_METRICS,
        publicBaseUrl: () => 'http://127.0.0.1:8080',
        ...(options.provide?.({ vault, config }) ?? {}),
      }),
    { waitTimeScale: 0.02, ...(options.wrapHandlers === undefined ? {} : { wrapHandlers: options.wrapHandlers }) },
  );
  const deps = await composer.composeAll();

  return {
    chain,
    tables,
    engine,
    outbox,
    vault,
    deps,
    composer,
    async createWallet(name, walletOptions = {}) {
      const id = `w-${randomBytes(6).toString('hex')}`;
      const key =
        walletOptions.keyId === undefined
          ? await vault.createKey({ ownerId: id, purpose: 'custody' })
          : { keyId: walletOptions.keyId, address: await vault.addressOf(walletOptions.keyId) };
      const event = {
        walletId: id,
        seq: 1,
        type: 'WALLET_CREATED',
        at: new Date(),
        actor: 'admin',
        data: { name, chainId: config.chainId, keyScheme: 'kms', keyId: key.keyId, address: key.address },
      } as WalletEvent;
      return deps.wallets.append(undefined, [event]);
    },
    async setPolicy(wallet, json) {
      const groups = new Map((await deps.groups.all()).map((g) => [g.id, { size: g.members.length }]));
      const current = (await deps.wallets.get(wallet.id)) ?? wallet;
      const version = (current.policy?.version ?? 0) + 1;
      const policy = parsePolicy({ ...json, version }, { groups });
      const event = {
        walletId: wallet.id,
        seq: current.version + 1,
        type: 'POLICY_SET',
        at: new Date(),
        actor: 'admin',
        data: { policy: serializePolicy(policy), version },
      } as WalletEvent;
      return deps.wallets.append(current, [event]);
    },
    async createGroup(id, memberIds) {
      const group: ApprovalGroup = { id, name: id, members: memberIds.map((m) => ({ id: m, name: m })) };
      await deps.groups.create(group, 'admin', new Date());
      return group;
    },
    async fund(wallet, asset, amount) {
      if (asset === 'native')
        await chain.testClient.setBalance({ address: wallet.address, value: amount + parseEther('0') });
      const depositId = `fund-${randomBytes(8).toString('hex')}`;
      const deposit = { depositId, walletId: wallet.id, asset, amount };
      await deps.ledger.post(depositSeen(deposit, new Date()));
      await deps.ledger.post(depositConfirmed(deposit, new Date()));
    },
    async stop() {
      await chain.stop();
    },
  };
}

function chainJson(config: ReturnType<typeof anvilChainConfig>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}
