import { parseEther, type Hex } from 'viem';
import { DynamoNonceStore } from '../../lambdas/adapters/dynamodb/dynamo-nonce-store';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import type { Address } from '../../lambdas/domain/address';
import type { ChainConfig } from '../../lambdas/domain/chain/chain-config';
import type { PreparedTransaction } from '../../lambdas/domain/lifecycle/transfer-events';
import {
  signCustodyTransaction,
  type SignedCustodyTransaction,
} from '../../lambdas/signing/custody-transaction-signer';
import { proofSigner } from '../../lambdas/signing/proof-signer';
import { freshTables, type TestTables } from './dynamodb';
import type { StartAnvilOptions } from '../../local/anvil';
import { startTestAnvil, type DedicatedTestChain } from './anvil';
import { MemoryKeyVault } from './memory-key-vault';

const DEPLOYMENT_ID = 'strongroom-chain-test';
const GWEI = 1_000_000_000n;

/** A chain configuration for a test anvil. */
export function anvilChainConfig(rpcUrl: string, chainId: number, overrides: Partial<ChainConfig> = {}): ChainConfig {
  return {
    chainId,
    name: 'anvil',
    rpcUrl,
    confirmations: 2,
    maxFeePerGasCap: 100n * GWEI,
    maxPriorityFeePerGasCap: 2n * GWEI,
    feeCeiling: 200n * GWEI,
    gasLimitMarginPercent: 20,
    gasLimitCeilings: { native: 21_000n, erc20: 100_000n, contractCall: 300_000n },
    stuckAfterSeconds: 30,
    tokens: [],
    depositStartBlock: 0n,
    depositScanBlocks: 50,
    ...overrides,
  };
}

/**
 * Everything between Prepare and Broadcast, wired as the workflow will wire it: a dedicated anvil,
 * a custody key and an approval key in a vault, the nonce store on DynamoDB Local, and the real
 * proof signer and custody signer, so every transaction a test sends was authorized and rebuilt
 * from its proof.
 */
export interface CustodyChain {
  readonly chain: DedicatedTestChain;
  readonly tables: TestTables;
  readonly gateway: ViemChainGateway;
  readonly nonces: DynamoNonceStore;
  readonly vault: MemoryKeyVault;
  readonly wallet: { readonly walletId: string; readonly keyId: string; readonly address: Address };
  /** Authorizes `transaction` for `transferId` with the approval key and signs it with the custody key. */
  authorizeAndSign(transferId: string, transaction: PreparedTransaction): Promise<SignedCustodyTransaction>;
  /** Mines `blocks` blocks (anvil_mine). */
  mine(blocks?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCustodyChain(
  options: StartAnvilOptions & { readonly config?: Partial<ChainConfig> } = {},
): Promise<CustodyChain> {
  const [chain, tables] = await Promise.all([startTestAnvil(options), freshTables()]);
  const gateway = new ViemChainGateway(anvilChainConfig(chain.rpcUrl, chain.chain.id, options.config), {
    retryCount: 0,
  });
  const vault = new MemoryKeyVault();
  const custodyKey = await vault.createKey({ ownerId: 'wallet-1', purpose: 'custody' });
  const approvalKey = await vault.createKey({ ownerId: DEPLOYMENT_ID, purpose: 'approval' });
  await chain.testClient.setBalance({ address: custodyKey.address, value: parseEther('100') });
  const approval = proofSigner({
    keyVault: vault,
    keyId: approvalKey.keyId,
    purpose: 'approval',
    deploymentId: DEPLOYMENT_ID,
  });
  const wallet = { walletId: 'wallet-1', keyId: custodyKey.keyId, address: custodyKey.address };

  return {
    chain,
    tables,
    gateway,
    nonces: new DynamoNonceStore(tables.doc, tables.names.nonces),
    vault,
    wallet,
    async authorizeAndSign(transferId, transaction) {
      const proof = {
        transferId,
        walletId: wallet.walletId,
        transaction,
        policyDecisionId: `pd-${transferId}`,
        approvalIds: [],
        approvalDigests: [],
        validUntil: new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000),
      };
      const proofSignature: Hex = await approval.signAuthorization(proof);
      return signCustodyTransaction(
        {
          keyVault: vault,
          proofDomain: { deploymentId: DEPLOYMENT_ID, chainId: transaction.chainId },
          approvalKeyAddress: approvalKey.address,
          clock: () => new Date(),
        },
        { transferId, walletId: wallet.walletId, keyId: wallet.keyId, transaction, proof, proofSignature },
      );
    },
    async mine(blocks = 1) {
      await chain.testClient.mine({ blocks });
    },
    stop: () => chain.stop(),
  };
}
