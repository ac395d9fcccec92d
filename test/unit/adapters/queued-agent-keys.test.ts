import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { bytesToHex, getAddress, type Hex } from 'viem';
import { NitroAttestationVerifier, SyntheticNsm } from '../../../enclave-host/attestation';
import type { AgentKeyJob, CreatedAgentKey, CreatedMpcKey, MpcKeyJob } from '../../../enclave-host/contract';
import { agentKeyUserData } from '../../../enclave-host/enclave/agent-key-user-data';
import { mpcKeyUserData } from '../../../enclave-host/enclave/mpc-key-user-data';
import { decodeBase64url } from '../../../enclave-host/shares';
import { cloudAgentKeys } from '../../../lambdas/adapters/enclave/cloud-agent-keys';
import { agentKeyExecutionName, QueuedAgentKeys } from '../../../lambdas/adapters/enclave/queued-agent-keys';
import { UnreachableAgentKeys } from '../../../lambdas/adapters/enclave/unreachable-agent-keys';
import type { StrongroomError } from '../../../lambdas/domain/errors';
import type { AgentKeys } from '../../../lambdas/ports/agent-keys';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from '../../integration/aws-stand-ins/stand-in-client-config';
import { agentKeyAnswer, mpcKeyAnswer } from '../../support/enclave-answers';
import { poll } from '../../support/poll';

// The provisioning state machine (statemachines/agent-key.asl.json, as deployed) on the Step Functions
// stand-in, the cloud adapter talking to it over the SDK, and a fake enclave host that takes each key
// job off the "queue" and answers it when the test says so, with a key attested by a synthetic NSM.

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:strongroom-agent-key`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/strongroom-signing`;
const DEPLOYMENT = 'strongroom-test';
const PCRS = { 0: 'a0'.repeat(48), 1: 'a1'.repeat(48), 2: 'a2'.repeat(48) };
const ASL = readFileSync(join(__dirname, '../../../statemachines/agent-key.asl.json'), 'utf8');

interface SentJob {
  readonly queueUrl: string;
  readonly job: AgentKeyJob | MpcKeyJob;
}

/** Two customers' recovery keys (X25519 public keys, base64url): the adapter only passes them on. */
const RECOVERY_KEY = Buffer.alloc(32, 9).toString('base64url');
const OTHER_RECOVERY_KEY = Buffer.alloc(32, 7).toString('base64url');

describe('QueuedAgentKeys: enclave keys through the provisioning state machine', () => {
  let aws: AwsStandIns;
  let sfn: SFNClient;
  const nsm = new SyntheticNsm({ pcrs: PCRS });
  const jobs: SentJob[] = [];

  beforeAll(async () => {
    aws = await startAwsStandIns({ region: REGION, account: ACCOUNT });
    sfn = new SFNClient(standInClientConfig(aws.endpoints.sfn, REGION));
    aws.sfn.registerStateMachine({
      arn: STATE_MACHINE_ARN,
      definition: ASL.replaceAll('${SigningQueueUrl}', QUEUE_URL),
      invoke: async () => {
        throw new Error('the provisioning state machine invokes no function');
      },
      sendMessage: async (queueUrl, body) => {
        jobs.push({ queueUrl, job: JSON.parse(body) as AgentKeyJob | MpcKeyJob });
      },
      waitTimeScale: 0.001,
    });
  });

  afterAll(async () => {
    sfn.destroy();
    await aws.stop();
  });

  const agentKeys = (waitMs = 5_000): AgentKeys =>
    new QueuedAgentKeys(sfn, {
      stateMachineArn: STATE_MACHINE_ARN,
      verifier: new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificatePem }),
      pcrs: PCRS,
      waitMs,
      pollMs: { first: 20, max: 100 },
    });

  const attest = (userData: Uint8Array) => nsm.attest({ userData });
  /** What the enclave would answer for `walletId`: a key attested for (deployment, wallet, address). */
  const enclaveAnswer = (walletId: string): Promise<CreatedAgentKey> =>
    agentKeyAnswer({ deployment: DEPLOYMENT, walletId, address: `0x${'11'.repeat(20)}` }, attest);
  /** What the enclave would answer for an mpc wallet: its three shares for one address, attested as the enclave does. */
  const mpcAnswer = (walletId: string): Promise<CreatedMpcKey> =>
    mpcKeyAnswer(
      {
        deployment: DEPLOYMENT,
        walletId,
        address: getAddress(`0x${'ab'.repeat(20)}`),
        coSignerCiphertext: Buffer.alloc(180, 2),
        recoveryCiphertext: Buffer.alloc(49, 3),
      },
      attest,
    );

  const jobFor = (walletId: string): Promise<SentJob> =>
    poll(async () => jobs.find((sent) => sent.job.walletId === walletId), `the key job of ${walletId}`, 5_000, 10);
  const answer = async (walletId: string, output: unknown): Promise<void> => {
    const { job } = await jobFor(walletId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: job.taskToken, output: JSON.stringify(output) }));
  };
  const failure = (promise: Promise<unknown>): Promise<StrongroomError> =>
    promise.then(
      () => {
        throw new Error('expected a refusal');
      },
      (error: unknown) => error as StrongroomError,
    );

  it('sends one key job for the wallet to the signing queue and returns what the host answered', async () => {
    const keys = agentKeys();
    const created = keys.createAgentKey('w-first');
    const expected = await enclaveAnswer('w-first');
    await answer('w-first', expected);
    expect(await created).toEqual(expected);
    const sent = jobs.filter((j) => j.job.walletId === 'w-first');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.queueUrl).toBe(QUEUE_URL);
    expect(Object.keys(sent[0]!.job).sort()).toEqual(['jobId', 'kind', 'taskToken', 'walletId']);
    expect(sent[0]!.job).toMatchObject({ kind: 'createAgentKey', jobId: 'wallet:w-first', walletId: 'w-first' });
  });

  it('still sends an agent key job for an execution started without kind (before mpc keys existed)', async () => {
    const name = agentKeyExecutionName('w-legacy');
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        name,
        input: JSON.stringify({ walletId: 'w-legacy' }),
      }),
    );
    const expected = await enclaveAnswer('w-legacy');
    await answer('w-legacy', expected);
    // A retry by the new code (its input names the kind) reads that execution: the same key.
    expect(await agentKeys().createAgentKey('w-legacy')).toEqual(expected);
    expect(jobs.filter((j) => j.job.walletId === 'w-legacy').map((j) => j.job.kind)).toEqual(['createAgentKey']);
  });

  it.each([
    ['an unknown kind', { kind: 'rotateAgentKey', walletId: 'w-unknown-kind' }],
    ['an mpc key without its recovery key', { kind: 'createMpcKey', walletId: 'w-no-recovery-key' }],
    ['a kind that is not a string', { kind: 7, walletId: 'w-numeric-kind' }],
  ])('fails an execution whose input asks for %s with ENCLAVE.BAD_REQUEST, sending no job', async (_, input) => {
    const name = agentKeyExecutionName(input.walletId);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) }),
    );
    const described = await poll(
      async () => {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return execution.status === 'RUNNING' ? undefined : execution;
      },
      'the execution to end',
      5_000,
      10,
    );
    expect(described).toMatchObject({ status: 'FAILED', error: 'ENCLAVE.BAD_REQUEST' });
    expect(jobs.filter((j) => j.job.walletId === input.walletId)).toEqual([]);
  });

  it('answers a second creation of the same wallet with the first key, sending no second job', async () => {
    const keys = agentKeys();
    const first = keys.createAgentKey('w-again');
    const expected = await enclaveAnswer('w-again');
    await answer('w-again', expected);
    await first;
    expect(await keys.createAgentKey('w-again')).toEqual(expected);
    expect(jobs.filter((j) => j.job.walletId === 'w-again')).toHaveLength(1);
  });

  it('gives up with 503 ENCLAVE.UNAVAILABLE while the host has not answered, and a retry picks up the key', async () => {
    // Long enough for the start and the first reads on a loaded machine (with 300 ms the deadline could
    // cut the first DescribeExecution short, and the status was never read): the host never answers first.
    const keys = agentKeys(2_000);
    const error = await failure(keys.createAgentKey('w-slow'));
    expect(error.code).toBe('ENCLAVE.UNAVAILABLE');
    expect(error.details).toMatchObject({ walletId: 'w-slow', jobStatus: 'RUNNING' });
    // While it still runs, a retry waits on the same execution.
    const retry = agentKeys().createAgentKey('w-slow');
    const expected = await enclaveAnswer('w-slow');
    await answer('w-slow', expected);
    expect(await retry).toEqual(expected);
    expect(jobs.filter((j) => j.job.walletId === 'w-slow')).toHaveLength(1);
  });

  it('answers 503 ENCLAVE.UNAVAILABLE naming the enclave’s code when the host fails the job', async () => {
    const created = failure(agentKeys().createAgentKey('w-refused'));
    const { job } = await jobFor('w-refused');
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: job.taskToken, error: 'ENCLAVE.KMS_UNAVAILABLE', cause: 'kms down' }),
    );
    const error = await created;
    expect(error.code).toBe('ENCLAVE.UNAVAILABLE');
    expect(error.details).toMatchObject({
      walletId: 'w-refused',
      jobStatus: 'FAILED',
      enclaveCode: 'ENCLAVE.KMS_UNAVAILABLE',
    });
    expect(error.message).not.toContain(job.taskToken);
  });

  it('refuses an answer that is not a created key as ENCLAVE.ATTESTATION_INVALID', async () => {
    const created = failure(agentKeys().createAgentKey('w-garbage'));
    await answer('w-garbage', { address: '0x1234', attestation: 'x' });
    expect((await created).code).toBe('ENCLAVE.ATTESTATION_INVALID');
  });

  it('verifies the attestation against the deployment’s PCRs and the user data, refusing another wallet’s', async () => {
    const keys = agentKeys();
    const created = await enclaveAnswer('w-attested');
    const document = new Uint8Array(Buffer.from(created.attestation, 'base64'));
    await expect(
      keys.verifyAttestation(document, bytesToHex(agentKeyUserData(DEPLOYMENT, 'w-attested', created.address))),
    ).resolves.toBeUndefined();
    const other = await failure(
      keys.verifyAttestation(document, bytesToHex(agentKeyUserData(DEPLOYMENT, 'w-other', created.address))),
    );
    expect(other.code).toBe('ENCLAVE.ATTESTATION_INVALID');
  });

  describe('createMpcKey', () => {
    it('sends one mpc key job for the wallet with the recovery key and returns the shares the host answered', async () => {
      const created = agentKeys().createMpcKey('w-mpc', RECOVERY_KEY);
      const expected = await mpcAnswer('w-mpc');
      await answer('w-mpc', { ...expected });
      expect(await created).toEqual(expected);
      const sent = jobs.filter((j) => j.job.walletId === 'w-mpc');
      expect(sent.map((j) => j.job)).toEqual([
        {
          kind: 'createMpcKey',
          jobId: 'wallet:w-mpc',
          walletId: 'w-mpc',
          recoveryPublicKey: RECOVERY_KEY,
          taskToken: expect.any(String),
        },
      ]);
      expect(sent[0]!.queueUrl).toBe(QUEUE_URL);
    });

    it('gives a retry with the same recovery key the same shares, from the same execution, sending no second job', async () => {
      const slow = await failure(agentKeys(300).createMpcKey('w-mpc-again', RECOVERY_KEY));
      expect(slow.code).toBe('ENCLAVE.UNAVAILABLE');
      const retry = agentKeys().createMpcKey('w-mpc-again', RECOVERY_KEY);
      const expected = await mpcAnswer('w-mpc-again');
      await answer('w-mpc-again', expected);
      expect(await retry).toEqual(expected);
      // And once the execution has ended.
      expect(await agentKeys().createMpcKey('w-mpc-again', RECOVERY_KEY)).toEqual(expected);
      expect(jobs.filter((j) => j.job.walletId === 'w-mpc-again')).toHaveLength(1);
    });

    it.each([
      ['another recovery key', 'w-reused-1', (keys: AgentKeys) => keys.createMpcKey('w-reused-1', OTHER_RECOVERY_KEY)],
      ['an agent key', 'w-reused-2', (keys: AgentKeys) => keys.createAgentKey('w-reused-2')],
    ])(
      'refuses a retry under the same wallet that asks for %s as IDEMPOTENCY.KEY_REUSED, running or ended',
      async (_, walletId, retry) => {
        const keys = agentKeys();
        const first = keys.createMpcKey(walletId, RECOVERY_KEY);
        const { job } = await jobFor(walletId);
        // While the first runs: never its shares, never a second job.
        expect((await failure(retry(keys))).code).toBe('IDEMPOTENCY.KEY_REUSED');
        const expected = await mpcAnswer(walletId);
        await sfn.send(new SendTaskSuccessCommand({ taskToken: job.taskToken, output: JSON.stringify(expected) }));
        expect(await first).toEqual(expected);
        // Once it has ended: the same.
        expect((await failure(retry(keys))).code).toBe('IDEMPOTENCY.KEY_REUSED');
        expect(jobs.filter((j) => j.job.walletId === walletId)).toHaveLength(1);
      },
    );

    it('refuses an mpc key retry for a wallet whose execution made an agent key', async () => {
      const keys = agentKeys();
      const first = keys.createAgentKey('w-was-enclave');
      await answer('w-was-enclave', await enclaveAnswer('w-was-enclave'));
      await first;
      expect((await failure(keys.createMpcKey('w-was-enclave', RECOVERY_KEY))).code).toBe('IDEMPOTENCY.KEY_REUSED');
    });

    const tampered: [string, (key: CreatedMpcKey) => unknown][] = [
      [
        'not a created mpc key (an agent key)',
        () => ({ address: `0x${'11'.repeat(20)}`, sealedKey: {}, attestation: 'AA==' }),
      ],
      [
        'share 3 re-bound to another epoch',
        (key) => ({
          ...key,
          recoveryShare: { ...key.recoveryShare, context: { ...key.recoveryShare.context, epoch: '2' } },
        }),
      ],
      [
        'share 2 with a field the contract has not',
        (key) => ({ ...key, coSignerShare: { ...key.coSignerShare, share: 'AA==' } }),
      ],
      [
        'a sealed share of another address',
        (key) => ({ ...key, sealedShare: { ...key.sealedShare, address: `0x${'cd'.repeat(20)}` } }),
      ],
      ['no attestation', (key) => ({ ...key, attestation: undefined })],
    ];
    it.each(tampered)('refuses an answer that is %s as ENCLAVE.ATTESTATION_INVALID', async (label, tamper) => {
      const walletId = `w-tampered-${tampered.findIndex(([name]) => name === label)}`;
      const created = failure(agentKeys().createMpcKey(walletId, RECOVERY_KEY));
      await answer(walletId, tamper(await mpcAnswer(walletId)));
      const error = await created;
      expect(error.code).toBe('ENCLAVE.ATTESTATION_INVALID');
      expect(error.details).toEqual({ walletId });
    });

    it("refuses another wallet's shares as ENCLAVE.ATTESTATION_INVALID", async () => {
      const created = failure(agentKeys().createMpcKey('w-mpc-mine', RECOVERY_KEY));
      await answer('w-mpc-mine', await mpcAnswer('w-mpc-theirs'));
      const error = await created;
      expect(error.code).toBe('ENCLAVE.ATTESTATION_INVALID');
      expect(error.message).toContain('another wallet');
    });

    it('verifies the mpc attestation against the user data over the wallet, address, epoch and both ciphertexts', async () => {
      const keys = agentKeys();
      const created = await mpcAnswer('w-mpc-attested');
      const document = new Uint8Array(Buffer.from(created.attestation, 'base64'));
      const userData = (recoveryCiphertext: Uint8Array) =>
        bytesToHex(
          mpcKeyUserData({
            deployment: DEPLOYMENT,
            walletId: 'w-mpc-attested',
            address: created.address,
            epoch: created.epoch,
            coSignerCiphertext: Buffer.from(created.coSignerShare.ciphertextBlob, 'base64'),
            recoveryCiphertext,
          }),
        );
      const recoveryCiphertext = decodeBase64url(created.recoveryShare.ciphertext)!;
      await expect(keys.verifyAttestation(document, userData(recoveryCiphertext))).resolves.toBeUndefined();
      const swapped = await failure(keys.verifyAttestation(document, userData(new Uint8Array(49))));
      expect(swapped.code).toBe('ENCLAVE.ATTESTATION_INVALID');
    });
  });

  it('refuses a document of an image with other PCRs', async () => {
    const foreign = new SyntheticNsm({ pcrs: { ...PCRS, 2: 'b2'.repeat(48) } });
    const address: Hex = `0x${'22'.repeat(20)}`;
    const document = await foreign.attest({ userData: agentKeyUserData(DEPLOYMENT, 'w-pcr', address) });
    const keys = cloudAgentKeys(
      {
        stateMachineArn: STATE_MACHINE_ARN,
        pcrs: PCRS,
        attestationRoot: { kind: 'test', pem: foreign.rootCertificatePem },
      },
      () => sfn,
    );
    const error = await failure(
      keys.verifyAttestation(document, bytesToHex(agentKeyUserData(DEPLOYMENT, 'w-pcr', address))),
    );
    expect(error.code).toBe('ENCLAVE.ATTESTATION_INVALID');
  });
});

describe('cloudAgentKeys', () => {
  it('is out of reach (503 ENCLAVE.UNAVAILABLE) without a provisioning state machine', async () => {
    const keys = cloudAgentKeys(undefined, () => {
      throw new Error('no client is built without a state machine');
    });
    expect(keys).toBeInstanceOf(UnreachableAgentKeys);
    await expect(keys.createAgentKey('w-1')).rejects.toMatchObject({ code: 'ENCLAVE.UNAVAILABLE' });
    await expect(keys.createMpcKey('w-1', RECOVERY_KEY)).rejects.toMatchObject({
      code: 'ENCLAVE.UNAVAILABLE',
      details: { walletId: 'w-1' },
    });
  });

  it('pins the AWS Nitro root in a deployment: a synthetic NSM’s document is refused', async () => {
    const nsm = new SyntheticNsm({ pcrs: PCRS });
    const address: Hex = `0x${'33'.repeat(20)}`;
    const userData = agentKeyUserData(DEPLOYMENT, 'w-prod', address);
    const keys = cloudAgentKeys(
      { stateMachineArn: STATE_MACHINE_ARN, pcrs: PCRS, attestationRoot: { kind: 'aws-nitro' } },
      () => new SFNClient({ region: REGION }),
    );
    await expect(keys.verifyAttestation(await nsm.attest({ userData }), bytesToHex(userData))).rejects.toMatchObject({
      code: 'ENCLAVE.ATTESTATION_INVALID',
    });
  });
});
