import { parseEther, type Address, type Hex } from 'viem';
import { ENCLAVE_CONTEXT } from '../../lib/enclave/enclave-context';
import type { DevTokenIssuer } from '../../local/dev-tokens';
import { LOCAL_ENCLAVE_PCRS } from '../../local/enclave/local-enclave';
import type { Rehearsal } from '../../local/rehearsal/rehearsal';
import type { DedicatedTestChain } from '../support/anvil';
import { poll } from '../support/poll';
import { startRehearsalUnderTest, type RehearsalUnderTest } from '../support/rehearsal-under-test';

/**
 * The deployment rehearsal of an app synthesized with enclave context (the local image's PCRs, as the
 * local runtime's synthetic NSM reports them): the agent-key provisioning state machine and the
 * transfer workflow run from the template on the Step Functions stand-in; the enclave host stack is
 * stood in for by the enclave program (synthetic NSM, its sealing key under the PCR policy) and the
 * real signing host on the template's signing queue and job ledger. An enclave wallet is created
 * through the API (the wallets function reaches the enclave only through the provisioning state
 * machine and verifies the attestation), funded on anvil, and its transfer COMPLETES.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

let underTest: RehearsalUnderTest;
let chain: DedicatedTestChain;
let issuer: DevTokenIssuer;
let rehearsal: Rehearsal;
let call: RehearsalUnderTest['call'];
let deposit: RehearsalUnderTest['deposit'];
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
}, 400_000);

afterAll(() => underTest?.stop(), 60_000);

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

  const policy = await call('PUT /v1/wallets/{id}/policy', admin, {
    pathParameters: { id: walletId },
    body: { rules: [{ id: 'agents', match: {}, action: { type: 'ALLOW' } }], limits: {} },
  });
  expect(policy.status).toBe(200);
  await deposit({ id: walletId, address }, parseEther('2'), admin);

  const accepted = await call('POST /v1/transactions', operator, {
    headers: { 'idempotency-key': 'rehearsal-enclave-transfer' },
    body: { walletId, to: RECIPIENT, asset: 'native', amount: parseEther('0.5').toString() },
  });
  expect(accepted.status).toBe(202);
  const transferId = accepted.body.id as string;
  const done = await poll(async () => {
    const state = (await call('GET /v1/transactions/{id}', admin, { pathParameters: { id: transferId } })).body;
    return ['COMPLETED', 'FAILED', 'REJECTED'].includes(state.status as string) ? state : undefined;
  }, 'the enclave transfer to end');
  expect(done.status).toBe('COMPLETED');
  // Signed by the wallet's enclave key, sent to the recipient.
  const txHash = done.txHash as Hex;
  const onChain = await chain.publicClient.getTransaction({ hash: txHash });
  expect(onChain.from.toLowerCase()).toBe(address.toLowerCase());
  expect(onChain.to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());
}, 300_000);
