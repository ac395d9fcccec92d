import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { bytesToHex, type Hex } from 'viem';
import { NitroAttestationVerifier, SyntheticNsm } from '../../../enclave-host/attestation';
import type { AgentKeyJob, CreatedAgentKey } from '../../../enclave-host/contract';
import { agentKeyUserData } from '../../../enclave-host/enclave/agent-key-user-data';
import { cloudAgentKeys } from '../../../lambdas/adapters/enclave/cloud-agent-keys';
import { QueuedAgentKeys } from '../../../lambdas/adapters/enclave/queued-agent-keys';
import { UnreachableAgentKeys } from '../../../lambdas/adapters/enclave/unreachable-agent-keys';
import type { StrongroomError } from '../../../lambdas/domain/errors';
import type { AgentKeys } from '../../../lambdas/ports/agent-keys';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from '../../integration/aws-stand-ins/stand-in-client-config';
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
  readonly job: AgentKeyJob;
}

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
      definition: ASL.replace('${SigningQueueUrl}', QUEUE_URL),
      invoke: async () => {
        throw new Error('the provisioning state machine invokes no function');
      },
      sendMessage: async (queueUrl, body) => {
        jobs.push({ queueUrl, job: JSON.parse(body) as AgentKeyJob });
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

  /** What the enclave would answer for `walletId`: a key, sealed (shape only here), attested for (deployment, wallet, address). */
  async function enclaveAnswer(walletId: string, address: Hex = `0x${'11'.repeat(20)}`): Promise<CreatedAgentKey> {
    const document = await nsm.attest({ userData: agentKeyUserData(DEPLOYMENT, walletId, address) });
    return {
      address,
      sealedKey: {
        format: 'strongroom.sealed.v1',
        context: { deployment: DEPLOYMENT, walletId, purpose: 'agent-key', version: '1' },
        address,
        encryptedDataKey: 'AQID',
        iv: 'AAAAAAAAAAAAAAAA',
        ciphertext: 'BAUG',
      },
      attestation: Buffer.from(document).toString('base64'),
    };
  }

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
    const keys = agentKeys(300);
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
