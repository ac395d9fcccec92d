// Prepare + authorize + sign + broadcast + receipt against anvil (automine), one transfer at a time:
// the latency of the chain half of a withdrawal on one machine, median of 50, with each stage apart.
// Nonces live in DynamoDB Local and keys in the local encrypted vault, as in the local runtime.
import { performance } from 'node:perf_hooks';
import { parseEther } from 'viem';
import { ViemChainGateway } from '../lambdas/adapters/chain/viem-chain-gateway';
import { documentClient } from '../lambdas/adapters/dynamodb/document-client';
import { DynamoNonceStore } from '../lambdas/adapters/dynamodb/dynamo-nonce-store';
import { localTableNames } from '../lambdas/adapters/dynamodb/table-schema';
import { LocalKeyVault } from '../lambdas/adapters/local/local-key-vault';
import { buildIntent } from '../lambdas/domain/intents';
import { signCustodyTransaction } from '../lambdas/signing/custody-transaction-signer';
import { proofSigner } from '../lambdas/signing/proof-signer';
import { prepareTransaction } from '../lambdas/use-cases/prepare-transaction';
import { startAnvil } from '../local/anvil';
import { createTables, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';

const TRANSFERS = 50;
const DEPLOYMENT_ID = 'strongroom-bench';
const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const STAGES = ['prepare', 'authorize', 'sign', 'broadcast', 'receipt', 'total'] as const;
type Stage = (typeof STAGES)[number];

export async function run(): Promise<void> {
  const [anvil, dynamo] = await Promise.all([startAnvil(), startDynamoDbLocal()]);
  try {
    const client = localDynamoDbClient(dynamo.endpoint);
    const names = localTableNames('bench-chain');
    await createTables(client, names);
    const nonces = new DynamoNonceStore(documentClient(client), names.nonces);
    const gateway = new ViemChainGateway({
      chainId: anvil.chainId,
      name: 'anvil',
      rpcUrl: anvil.rpcUrl,
      confirmations: 1,
      maxFeePerGasCap: 100_000_000_000n,
      maxPriorityFeePerGasCap: 2_000_000_000n,
      feeCeiling: 200_000_000_000n,
      gasLimitMarginPercent: 20,
      gasLimitCeilings: { native: 21_000n, erc20: 100_000n, contractCall: 300_000n },
      stuckAfterSeconds: 60,
      tokens: [],
      depositStartBlock: 0n,
      depositScanBlocks: 100,
    });
    const vault = await LocalKeyVault.open({ passphrase: 'bench passphrase' });
    const custody = await vault.createKey({ ownerId: 'wallet-bench', purpose: 'custody' });
    const approvalKey = await vault.createKey({ ownerId: DEPLOYMENT_ID, purpose: 'approval' });
    const approval = proofSigner({
      keyVault: vault,
      keyId: approvalKey.keyId,
      purpose: 'approval',
      deploymentId: DEPLOYMENT_ID,
    });
    await fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'anvil_setBalance',
        params: [custody.address, `0x${parseEther('1000').toString(16)}`],
      }),
    });

    const samples: Record<Stage, number[]> = {
      prepare: [],
      authorize: [],
      sign: [],
      broadcast: [],
      receipt: [],
      total: [],
    };
    for (let i = 0; i < TRANSFERS + 5; i++) {
      const transferId = `bench-${i}`;
      const t0 = performance.now();
      const intent = buildIntent({ to: RECIPIENT, asset: 'native', amount: '1000' }, custody.address);
      const transaction = await prepareTransaction(
        { chain: gateway, nonces, clock: () => new Date() },
        { transferId, from: custody.address, intent },
      );
      const t1 = performance.now();
      const proof = {
        transferId,
        walletId: 'wallet-bench',
        transaction,
        policyDecisionId: 'pd',
        approvalIds: [],
        approvalDigests: [],
        validUntil: new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000),
      };
      const proofSignature = await approval.signAuthorization(proof);
      const t2 = performance.now();
      const signed = await signCustodyTransaction(
        {
          keyVault: vault,
          proofDomain: { deploymentId: DEPLOYMENT_ID, chainId: anvil.chainId },
          approvalKeyAddress: approvalKey.address,
          clock: () => new Date(),
        },
        { transferId, walletId: 'wallet-bench', keyId: custody.keyId, transaction, proof, proofSignature },
      );
      const t3 = performance.now();
      await gateway.broadcast(signed.serializedTransaction);
      const t4 = performance.now();
      for (;;) {
        const seen = await gateway.observe({
          from: custody.address,
          nonce: transaction.nonce,
          attempts: [signed.txHash],
        });
        if (seen.kind === 'MINED') break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const t5 = performance.now();
      if (i < 5) continue; // warm-up
      const figures: Record<Stage, number> = {
        prepare: t1 - t0,
        authorize: t2 - t1,
        sign: t3 - t2,
        broadcast: t4 - t3,
        receipt: t5 - t4,
        total: t5 - t0,
      };
      for (const stage of STAGES) samples[stage].push(figures[stage]);
    }

    console.log(
      `\nchain round trip against anvil (automine, 1 confirmation), ${TRANSFERS} native transfers one after another`,
    );
    console.log(`  ${'stage'.padEnd(10)} ${'median'.padStart(9)} ${'p95'.padStart(9)}`);
    for (const stage of STAGES) {
      console.log(
        `  ${stage.padEnd(10)} ${ms(percentile(samples[stage], 0.5))} ${ms(percentile(samples[stage], 0.95))}`,
      );
    }
  } finally {
    await Promise.all([anvil.stop(), dynamo.stop()]);
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`.padStart(9);
