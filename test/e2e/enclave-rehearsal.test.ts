import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parseEther, parseTransaction, recoverTransactionAddress, type Address, type Hex } from 'viem';
import type { HpkeSealed, ShareContext } from '../../enclave-host/contract';
import { generateRecoveryKeyPair, openShare, SHARE_LENGTH, zeroise } from '../../enclave-host/shares';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { DynamoTransferEventStore } from '../../lambdas/adapters/dynamodb/dynamo-transfer-event-store';
import { ENCLAVE_CONTEXT } from '../../lib/enclave/enclave-context';
import type { DevTokenIssuer } from '../../local/dev-tokens';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { LOCAL_ENCLAVE_PCRS } from '../../local/enclave/local-enclave';
import type { Rehearsal } from '../../local/rehearsal/rehearsal';
import type { DedicatedTestChain } from '../support/anvil';
import { poll } from '../support/poll';
import {
  startRehearsalUnderTest,
  type RehearsalResponseBody,
  type RehearsalUnderTest,
} from '../support/rehearsal-under-test';

/**
 * The deployment rehearsal of an app synthesized with enclave context (the local image's PCRs, as the
 * local runtime's synthetic NSM reports them): the agent-key provisioning state machine and the
 * transfer workflow run from the template on the Step Functions stand-in; the enclave host stack is
 * stood in for by the enclave program (synthetic NSM, its sealing key under the PCR policy) and the
 * real signing host on the template's signing queue and job ledger. An enclave wallet is created
 * through the API (the wallets function reaches the enclave only through the provisioning state
 * machine and verifies the attestation), funded on anvil, and its transfer COMPLETES.
 *
 * An mpc wallet (issue 16: 2-of-3 key shares, combined in the enclave) is made the same way; its share 2
 * is registered with the template's co-signer function (a process of its own, with its own table, KMS key
 * and `CoSignerCaps`, reached over the Lambda Invoke stand-in), which releases it to the enclave host for
 * the transfer's one signature.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

let underTest: RehearsalUnderTest;
let chain: DedicatedTestChain;
let issuer: DevTokenIssuer;
let rehearsal: Rehearsal;
let call: RehearsalUnderTest['call'];
let deposit: RehearsalUnderTest['deposit'];
let dynamoEndpoint: string;
const enclaveLog: string[] = [];

beforeAll(async () => {
  underTest = await startRehearsalUnderTest({
    cdkOutEnvVar: 'STRONGROOM_ENCLAVE_REHEARSAL_CDK_OUT',
    context: {
      [ENCLAVE_CONTEXT.pcr0]: LOCAL_ENCLAVE_PCRS[0],
      [ENCLAVE_CONTEXT.pcr1]: LOCAL_ENCLAVE_PCRS[1],
      [ENCLAVE_CONTEXT.pcr2]: LOCAL_ENCLAVE_PCRS[2],
    },
    enclave: { log: (line) => enclaveLog.push(line) },
  });
  ({ chain, issuer, rehearsal, call, deposit } = underTest);
  dynamoEndpoint = underTest.dynamo.endpoint;
}, 400_000);

afterAll(() => underTest?.stop(), 60_000);

/**
 * Lets `wallet` send anything, funds it with 2 ETH and has the operator send 0.5 ETH of it to RECIPIENT
 * through the API: the transfer, once ended, which must have COMPLETED.
 */
async function transferHalfAnEther(
  keyScheme: 'enclave' | 'mpc',
  wallet: { readonly id: string; readonly address: Address },
  tokens: { readonly admin: string; readonly operator: string },
): Promise<{ transferId: string; done: RehearsalResponseBody }> {
  const policy = await call('PUT /v1/wallets/{id}/policy', tokens.admin, {
    pathParameters: { id: wallet.id },
    body: { rules: [{ id: 'allow-all', match: {}, action: { type: 'ALLOW' } }], limits: {} },
  });
  expect(policy.status).toBe(200);
  await deposit(wallet, parseEther('2'), tokens.admin);

  const accepted = await call('POST /v1/transactions', tokens.operator, {
    headers: { 'idempotency-key': `rehearsal-${keyScheme}-transfer` },
    body: { walletId: wallet.id, to: RECIPIENT, asset: 'native', amount: parseEther('0.5').toString() },
  });
  expect(accepted.status).toBe(202);
  const transferId = accepted.body.id as string;
  const done = await poll(async () => {
    const state = (await call('GET /v1/transactions/{id}', tokens.admin, { pathParameters: { id: transferId } })).body;
    return ['COMPLETED', 'FAILED', 'REJECTED'].includes(state.status as string) ? state : undefined;
  }, `the ${keyScheme} transfer to end`);
  expect(done.status).toBe('COMPLETED');
  return { transferId, done };
}

it('creates an enclave wallet through the provisioning state machine and completes its transfer on anvil', async () => {
  const admin = await issuer.mint({ sub: 'rehearsal-admin', roles: ['admin'] });
  const operator = await issuer.mint({ sub: 'rehearsal-operator', roles: ['operator'] });

  const body = { name: 'rehearsal agent', chainId: chain.chain.id, keyScheme: 'enclave' };
  const created = await call('POST /v1/wallets', admin, { body, headers: { 'idempotency-key': 'rehearsal-agent-1' } });
  expect(created.status).toBe(201);
  expect(created.body.keyScheme).toBe('enclave');
  const walletId = created.body.id as string;
  const address = created.body.address as Address;
  // Made by a key job on the template's provisioning state machine, named after the wallet.
  expect(rehearsal.standIns.sfn.calls).toContain('StartExecution');
  expect(enclaveLog.some((line) => line.includes(walletId) && line.includes('"outcome":"created"'))).toBe(true);
  // A retry under the same key answers the same wallet, and asks the enclave nothing more.
  const retried = await call('POST /v1/wallets', admin, { body, headers: { 'idempotency-key': 'rehearsal-agent-1' } });
  expect(retried).toEqual({ status: 201, body: created.body });
  expect(enclaveLog.filter((line) => line.includes(walletId) && line.includes('"outcome":"created"'))).toHaveLength(1);

  const { done } = await transferHalfAnEther('enclave', { id: walletId, address }, { admin, operator });
  // Signed by the wallet's enclave key, sent to the recipient.
  const txHash = done.txHash as Hex;
  const onChain = await chain.publicClient.getTransaction({ hash: txHash });
  expect(onChain.from.toLowerCase()).toBe(address.toLowerCase());
  expect(onChain.to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());
}, 300_000);

/** The stand-in's name of the template's one table whose logical id starts with `prefix` (e.g. `TablesEvents`). */
function tableName(prefix: string): string {
  const names = rehearsal.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources)
      .filter(([id, resource]) => resource.Type === 'AWS::DynamoDB::Table' && id.startsWith(prefix))
      .map(([id]) => stack.refs.get(id) as string),
  );
  expect(names).toHaveLength(1);
  return names[0] as string;
}

it("creates an mpc wallet and completes its transfer on anvil, share 2 released by the template's co-signer function", async () => {
  const admin = await issuer.mint({ sub: 'rehearsal-admin', roles: ['admin'] });
  const operator = await issuer.mint({ sub: 'rehearsal-operator', roles: ['operator'] });
  const coSigner = rehearsal.processes.functions().filter((fn) => fn.logicalId.startsWith('CoSigner'));
  expect(coSigner).toHaveLength(1);
  const deploymentId = coSigner[0]?.environment.STRONGROOM_DEPLOYMENT_ID;

  const recovery = await generateRecoveryKeyPair();
  const body = {
    name: 'rehearsal shared control',
    chainId: chain.chain.id,
    keyScheme: 'mpc',
    recoveryPublicKey: recovery.publicKey,
  };
  const created = await call('POST /v1/wallets', admin, { body, headers: { 'idempotency-key': 'rehearsal-mpc-1' } });
  expect(created.status).toBe(201);
  expect(created.body.keyScheme).toBe('mpc');
  const walletId = created.body.id as string;
  const address = created.body.address as Address;
  // Share 3, returned once, opens with the customer's recovery key under its own context.
  const share3Context: ShareContext = { deployment: deploymentId as string, walletId, address, epoch: '1', share: '3' };
  const recoveryShare = created.body.recoveryShare as HpkeSealed;
  expect(recoveryShare.context).toEqual(share3Context);
  const share3 = await openShare(recovery.privateKey, recoveryShare, share3Context);
  expect(share3).toHaveLength(SHARE_LENGTH);
  zeroise(share3, recovery.privateKey);
  // Share 2 was registered by the wallets function with the co-signer function, through Lambda Invoke.
  const coSignerLogs = () => rehearsal.processes.logs('CoSigner').filter((line) => line.includes(walletId));
  expect(coSignerLogs().some((line) => line.includes('"op":"register"') && line.includes('co-signer answered'))).toBe(
    true,
  );

  const { transferId, done } = await transferHalfAnEther('mpc', { id: walletId, address }, { admin, operator });

  // The transaction the workflow recorded as SIGNED recovers to the wallet's address, and is the one on chain.
  const dynamo = localDynamoDbClient(dynamoEndpoint);
  try {
    const doc = documentClient(dynamo);
    const events = await new DynamoTransferEventStore(doc, {
      events: tableName('TablesEvents'),
      transfers: tableName('TablesTransfers'),
    }).read(transferId);
    expect(events.filter((e) => e.type === 'SIGNING_REQUESTED').map((e) => e.data)).toEqual([
      expect.objectContaining({ keyScheme: 'mpc' }),
    ]);
    const signed = events.filter((e) => e.type === 'SIGNED');
    expect(signed).toHaveLength(1);
    const raw = (signed[0]?.data as { rawTransaction: Hex }).rawTransaction;
    expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(address);
    expect(parseTransaction(raw).to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());
    const onChain = await chain.publicClient.getTransaction({ hash: done.txHash as Hex });
    expect(onChain.from.toLowerCase()).toBe(address.toLowerCase());

    // The co-signer function released share 2 once, for this transfer, and recorded it in its own table.
    const releases = await doc.send(
      new QueryCommand({
        TableName: tableName('TablesCoSigner'),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
        ExpressionAttributeValues: { ':pk': `RELEASES#${walletId}`, ':seq': 'SEQ#' },
      }),
    );
    expect(releases.Items).toEqual([
      expect.objectContaining({ walletId, transferId, asset: 'native', amount: parseEther('0.5').toString() }),
    ]);
  } finally {
    dynamo.destroy();
  }
  expect(coSignerLogs().some((line) => line.includes('"op":"release"') && line.includes('co-signer answered'))).toBe(
    true,
  );
}, 300_000);
