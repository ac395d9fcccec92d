import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { bytesToHex } from 'viem';
import { EnclaveError, EnclaveUnavailableError } from '../../../../enclave-host/protocol/enclave-error';
import type { CreatedMpcKey, EnclaveClient, JobAnswer, JobLedger } from '../../../../enclave-host/contract';
import { createEnclave } from '../../../../enclave-host/enclave/create-enclave';
import { mpcKeyUserData } from '../../../../enclave-host/enclave/mpc-key-user-data';
import { createdMpcKeyOf } from '../../../../enclave-host/host/job-answer';
import { decodeBase64url, generateRecoveryKeyPair, openShare } from '../../../../enclave-host/shares';
import { newAccount } from '../../domain/proof/proof-fixtures';
import { enclaveConfig, FakeEnclaveKms, FakeNsm, readFakeDocument } from '../enclave/enclave-fakes';
import { MemoryJobLedger } from '../../../../enclave-host/host/memory-job-ledger';
import { createSigningHost, type SigningHostOptions } from '../../../../enclave-host/host/signing-host';
import { startSqsStandIn, type RunningSqsStandIn } from '../../../../local/aws/start-sqs-stand-in';
import type { SqsStandIn } from '../../../../local/aws/sqs-stand-in';
import {
  createdKey,
  createdMpcKey,
  CREDENTIALS,
  FakeCoSigner,
  FakeEnclave,
  gate,
  ManualClock,
  mpcJob,
  mpcKeyJob,
  RecordingLogger,
  RECOVERY_PUBLIC_KEY,
  RELEASED_SHARE,
  SECRETS,
  SESSION_ATTESTATION,
  SIGNED,
  signingJob,
  keyJob,
  TASK_TOKEN,
} from './host-test-kit';

const REGION = 'us-east-1';
const HEARTBEAT_SECONDS = 30;
const HOST_ID = 'i-0123456789abcdef0';
const OTHER_HOST = 'i-0fedcba9876543210';
/** A signed transaction other than SIGNED: what another host stored, told apart from what this one's enclave signs. */
const OTHER_SIGNED = { serializedTransaction: `0x02f8${'22'.repeat(60)}`, txHash: `0x${'ef'.repeat(32)}` } as const;
const signed = (result: typeof SIGNED | typeof OTHER_SIGNED): JobAnswer => ({ kind: 'signed', result });

describe('signing host', () => {
  let running: RunningSqsStandIn;
  let standIn: SqsStandIn;
  let sqs: SQSClient;
  const loggers: RecordingLogger[] = [];
  let queues = 0;

  beforeAll(async () => {
    running = await startSqsStandIn(REGION);
    ({ standIn, sqs } = running);
  });

  afterAll(async () => {
    await running.close();
  });

  /** A fresh queue, enclave, co-signer, ledger, clock and logger, and a Step Functions client answered by a mock. */
  function setup(overrides: Partial<SigningHostOptions> = {}) {
    queues += 1;
    const queueUrl = standIn.createQueue(`signing-${queues}`);
    const enclave = new FakeEnclave();
    const coSigner = new FakeCoSigner();
    const clock = new ManualClock();
    const ledger = new MemoryJobLedger(() => clock.now());
    const logger = new RecordingLogger();
    loggers.push(logger);
    const sfnClient = new SFNClient({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const sfn: AwsClientStub<SFNClient> = mockClient(sfnClient);
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    sfn.on(SendTaskHeartbeatCommand).resolves({});
    const host = createSigningHost({
      sqs,
      sfn: sfnClient,
      queueUrl,
      enclave,
      ledger,
      hostId: HOST_ID,
      credentials: async () => CREDENTIALS,
      coSigner,
      clock,
      logger,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      visibilityTimeoutSeconds: 120,
      maxMessages: 10,
      waitTimeSeconds: 0,
      ...overrides,
    });
    const send = (body: unknown) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    const inQueue = () => standIn.messages(queueUrl).length;
    const outputs = () => sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    const failures = () => sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input);
    return { host, queueUrl, enclave, coSigner, ledger, clock, logger, sfn, send, inQueue, outputs, failures };
  }

  it('asks health, signs a job with the instance credentials, answers SendTaskSuccess with the result, then deletes the message', async () => {
    const t = setup();
    let inQueueAtCallback = -1;
    t.sfn.on(SendTaskSuccessCommand).callsFake(async () => {
      inQueueAtCallback = t.inQueue();
      return {};
    });
    const job = signingJob();
    await t.send(job);

    const reports = await t.host.runOnce();

    expect(reports).toEqual([
      expect.objectContaining({ jobId: job.jobId, outcome: 'signed', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.signRequests).toEqual([
      {
        op: 'sign',
        transferId: job.transferId,
        walletId: job.walletId,
        proof: job.proof,
        proofSignature: job.proofSignature,
        sealedKey: job.sealedKey,
        credentials: CREDENTIALS,
      },
    ]);
    expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) }]);
    expect(t.enclave.requests.map((r) => r.op)).toEqual(['health', 'sign']);
    expect(inQueueAtCallback).toBe(1);
    expect(t.inQueue()).toBe(0);
    // The ledger holds the claim and the answer: the workflow can no longer void the job.
    await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({
      kind: 'answered',
      answer: signed(SIGNED),
    });
  });

  it('leaves the message in the queue when the callback fails, and answers the redelivery from the ledger', async () => {
    const t = setup();
    t.sfn.on(SendTaskSuccessCommand).rejectsOnce(new Error('socket hang up')).resolves({});
    await t.send(signingJob());

    expect(await t.host.runOnce()).toEqual([expect.objectContaining({ callback: 'failed', deleted: false })]);
    expect(t.inQueue()).toBe(1);

    // A redelivery (here: the same body sent again, the first copy still invisible) signs nothing new.
    await t.send(signingJob());
    const again = await t.host.runOnce();
    expect(again).toEqual([expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true })]);
    expect(t.enclave.signRequests).toHaveLength(1);
    expect(t.outputs().map((o) => o.output)).toEqual([JSON.stringify(SIGNED), JSON.stringify(SIGNED)]);
  });

  it('asks the enclave once for a job delivered twice in one receive, and answers both deliveries alike', async () => {
    const t = setup();
    const signing = gate();
    t.enclave.behaviour = async () => {
      await signing.opened;
      return { op: 'sign', ...SIGNED };
    };
    await t.send(signingJob());
    await t.send({ ...signingJob(), kind: 'sign' });

    const run = t.host.runOnce();
    signing.open();
    const reports = await run;

    expect(reports.map((r) => r.outcome).sort()).toEqual(['answered-again', 'signed']);
    expect(reports.every((r) => r.callback === 'sent' && r.deleted)).toBe(true);
    expect(t.enclave.signRequests).toHaveLength(1);
    expect(t.outputs()).toEqual([
      { taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) },
      { taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) },
    ]);
    expect(t.inQueue()).toBe(0);
  });

  it("answers an enclave refusal with SendTaskFailure carrying the enclave's code, stores it, then deletes the message", async () => {
    const t = setup();
    t.enclave.behaviour = async () => {
      throw new EnclaveError('ENCLAVE.PROOF_INVALID', 'the proof is not signed by the approval key');
    };
    await t.send(signingJob());

    const reports = await t.host.runOnce();

    expect(reports).toEqual([expect.objectContaining({ outcome: 'refused', callback: 'sent', deleted: true })]);
    const refusal = {
      taskToken: TASK_TOKEN,
      error: 'ENCLAVE.PROOF_INVALID',
      cause: 'the proof is not signed by the approval key',
    };
    expect(t.failures()).toEqual([refusal]);
    expect(t.outputs()).toEqual([]);
    expect(t.inQueue()).toBe(0);

    // A redelivery gets the stored refusal, without asking the enclave again.
    await t.send(signingJob());
    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.signRequests).toHaveLength(1);
    expect(t.failures()).toEqual([refusal, refusal]);
  });

  it('never sends a voided job to the enclave: its task fails with ENCLAVE.JOB_VOIDED and the message is deleted', async () => {
    const t = setup();
    const job = signingJob();
    await t.ledger.void(job.jobId, 'workflow', 'the Sign task timed out');
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ jobId: job.jobId, outcome: 'voided', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.workRequests).toEqual([]);
    expect(t.outputs()).toEqual([]);
    expect(t.failures()).toEqual([
      {
        taskToken: TASK_TOKEN,
        error: 'ENCLAVE.JOB_VOIDED',
        cause: 'the job was voided before any host claimed it: the Sign task timed out',
      },
    ]);
    expect(t.inQueue()).toBe(0);
  });

  it('asks the enclave again for a job another host claimed and never answered, and stores the answer', async () => {
    const t = setup();
    const job = signingJob();
    await t.ledger.claim(job.jobId, OTHER_HOST);
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'signed', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.signRequests).toHaveLength(1);
    expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) }]);
    await expect(t.ledger.claim(job.jobId, OTHER_HOST)).resolves.toEqual({ kind: 'answered', answer: signed(SIGNED) });
  });

  it("sends another host's stored answer again without asking the enclave", async () => {
    const t = setup();
    const job = signingJob();
    await t.ledger.claim(job.jobId, OTHER_HOST);
    await t.ledger.answer(job.jobId, OTHER_HOST, signed(OTHER_SIGNED));
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.workRequests).toEqual([]);
    expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(OTHER_SIGNED) }]);
  });

  it('sends the answer another host stored while this one was asking the enclave: the first answer wins', async () => {
    const t = setup();
    const job = signingJob();
    t.enclave.behaviour = async () => {
      await t.ledger.answer(job.jobId, OTHER_HOST, signed(OTHER_SIGNED));
      return { op: 'sign', ...SIGNED };
    };
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'answered-again', callback: 'sent' })]);
    expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(OTHER_SIGNED) }]);
  });

  describe('key jobs', () => {
    it("creates a wallet's key once with the instance credentials, answers the created key, and a redelivery gets the same key", async () => {
      const t = setup();
      const job = keyJob();
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ jobId: 'wallet:wallet-new-1', outcome: 'created', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.workRequests).toEqual([
        { op: 'createAgentKey', walletId: 'wallet-new-1', credentials: CREDENTIALS },
      ]);
      const output = JSON.stringify(createdKey(1));
      expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output }]);

      await t.send(job);
      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.workRequests).toHaveLength(1);
      expect(t.outputs().map((o) => JSON.parse(o.output!).address)).toEqual([
        createdKey(1).address,
        createdKey(1).address,
      ]);
      expect(t.inQueue()).toBe(0);
    });

    it('answers the key another host stored first, never a second key for the wallet', async () => {
      const t = setup();
      const job = keyJob();
      await t.ledger.claim(job.jobId, OTHER_HOST);
      t.enclave.behaviour = async () => {
        // The other host, which claimed first, answers while this one's enclave makes a key of its own.
        await t.ledger.answer(job.jobId, OTHER_HOST, { kind: 'created', result: createdKey(2) });
        return { op: 'createAgentKey', ...createdKey(1) };
      };
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent' }),
      ]);
      expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(createdKey(2)) }]);
    });

    it("fails a key job with the enclave's refusal code", async () => {
      const t = setup();
      t.enclave.behaviour = async () => {
        throw new EnclaveError('ENCLAVE.KMS_UNAVAILABLE', 'KMS throttled GenerateDataKey');
      };
      await t.send(keyJob());

      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'refused', callback: 'sent' })]);
      expect(t.failures()).toEqual([
        { taskToken: TASK_TOKEN, error: 'ENCLAVE.KMS_UNAVAILABLE', cause: 'KMS throttled GenerateDataKey' },
      ]);
    });

    it.each([
      ['a job id of another wallet', { ...keyJob(), jobId: 'wallet:wallet-other' }, 'jobId is not wallet:walletId'],
      ['a signing job field', { ...keyJob(), sealedKey: signingJob().sealedKey }, 'the job has an unexpected field'],
      ['an unknown kind', { ...keyJob(), kind: 'rotateAgentKey' }, 'kind is not sign, createAgentKey or createMpcKey'],
    ])(
      'fails a malformed key job (%s) with ENCLAVE.BAD_REQUEST, without asking the enclave',
      async (_, body, reason) => {
        const t = setup();
        await t.send(body);

        expect(await t.host.runOnce()).toEqual([
          expect.objectContaining({ outcome: 'malformed', callback: 'sent', deleted: true }),
        ]);
        expect(t.enclave.requests).toEqual([]);
        expect(t.failures()).toEqual([
          { taskToken: TASK_TOKEN, error: 'ENCLAVE.BAD_REQUEST', cause: `the signing job is malformed: ${reason}` },
        ]);
      },
    );
  });

  describe("mpc key jobs (issue 16): an mpc wallet's key, split 2-of-3 in the enclave", () => {
    const created = (n = 1): JobAnswer => ({ kind: 'created-mpc', result: createdMpcKey(n) });

    it('asks the enclave createMpcKey with the recovery key and the instance credentials, answers the CreatedMpcKey, and a redelivery gets the same shares', async () => {
      const t = setup();
      const job = mpcKeyJob();
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({
          jobId: 'wallet:wallet-mpc-new-1',
          outcome: 'created',
          callback: 'sent',
          deleted: true,
        }),
      ]);
      expect(t.enclave.requests.map((r) => r.op)).toEqual(['health', 'createMpcKey']);
      expect(t.enclave.workRequests).toEqual([
        {
          op: 'createMpcKey',
          walletId: 'wallet-mpc-new-1',
          recoveryPublicKey: RECOVERY_PUBLIC_KEY,
          credentials: CREDENTIALS,
        },
      ]);
      const output = JSON.stringify(createdMpcKey(1));
      expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output }]);
      expect(t.coSigner.requests).toEqual([]);
      await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({
        kind: 'answered',
        answer: created(1),
      });

      // Redelivered (the callback's reply lost, say): the stored shares again, no second key.
      await t.send(job);
      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.workRequests).toHaveLength(1);
      expect(t.outputs()).toEqual([
        { taskToken: TASK_TOKEN, output },
        { taskToken: TASK_TOKEN, output },
      ]);
      expect(t.inQueue()).toBe(0);
      expect((await t.host.health()).jobs).toEqual(expect.objectContaining({ created: 1, 'answered-again': 1 }));
    });

    it('answers the shares another host stored first, never a second key for the wallet', async () => {
      const t = setup();
      const job = mpcKeyJob();
      await t.ledger.claim(job.jobId, OTHER_HOST);
      t.enclave.behaviour = async (request) => {
        await t.ledger.answer(job.jobId, OTHER_HOST, created(2));
        return { op: 'createMpcKey', ...createdMpcKey(1, request.op === 'createMpcKey' ? request.walletId : '') };
      };
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent' }),
      ]);
      expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(createdMpcKey(2)) }]);
    });

    it("fails an mpc key job with the enclave's refusal, stored, and answers a redelivery with it", async () => {
      const t = setup();
      t.enclave.behaviour = async () => {
        throw new EnclaveError('ENCLAVE.BAD_REQUEST', 'this enclave image has no co-signer key: it makes no mpc keys');
      };
      const job = mpcKeyJob();
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'refused', callback: 'sent' })]);
      const failure = {
        taskToken: TASK_TOKEN,
        error: 'ENCLAVE.BAD_REQUEST',
        cause: 'this enclave image has no co-signer key: it makes no mpc keys',
      };
      expect(t.failures()).toEqual([failure]);
      await t.send(job);
      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'answered-again' })]);
      expect(t.failures()).toEqual([failure, failure]);
      expect(t.enclave.workRequests).toHaveLength(1);
    });

    it.each([
      ['padded', `${RECOVERY_PUBLIC_KEY}=`, 'recoveryPublicKey must be base64url without padding (no "=")'],
      [
        'in standard base64',
        Buffer.alloc(32, 0xfb).toString('base64').replace(/=+$/, ''),
        'recoveryPublicKey must be base64url ("-" and "_"), not standard base64 ("+" and "/")',
      ],
      [
        '31 bytes long',
        Buffer.alloc(31, 9).toString('base64url'),
        'recoveryPublicKey must encode 32 bytes (43 characters), not 31',
      ],
      [
        'a low-order point',
        Buffer.alloc(32).toString('base64url'),
        'recoveryPublicKey is a low-order X25519 point, which would let anyone open the share',
      ],
      ['not a string', 42, 'recoveryPublicKey must be a string'],
      ['missing', undefined, 'recoveryPublicKey must be a string'],
    ])(
      'fails an mpc key job whose recovery key is %s with ENCLAVE.BAD_REQUEST, without asking the enclave or claiming',
      async (_, recoveryPublicKey, reason) => {
        const t = setup();
        const job = { ...mpcKeyJob(), recoveryPublicKey };
        await t.send(job);

        expect(await t.host.runOnce()).toEqual([
          expect.objectContaining({ outcome: 'malformed', callback: 'sent', deleted: true }),
        ]);
        expect(t.enclave.requests).toEqual([]);
        expect(t.failures()).toEqual([
          { taskToken: TASK_TOKEN, error: 'ENCLAVE.BAD_REQUEST', cause: `the signing job is malformed: ${reason}` },
        ]);
        await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({ kind: 'voided' });
      },
    );

    it.each([
      ['a job id of another wallet', { ...mpcKeyJob(), jobId: 'wallet:wallet-other' }, 'jobId is not wallet:walletId'],
      ['a proof', { ...mpcKeyJob(), proof: {} }, 'the job has an unexpected field'],
      [
        'a recovery key on an agent key job',
        { ...keyJob(), recoveryPublicKey: RECOVERY_PUBLIC_KEY },
        'the job has an unexpected field',
      ],
    ])('fails a key job with %s as malformed, without asking the enclave', async (_, body, reason) => {
      const t = setup();
      await t.send(body);

      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'malformed', callback: 'sent' })]);
      expect(t.enclave.requests).toEqual([]);
      expect(t.failures()).toEqual([
        { taskToken: TASK_TOKEN, error: 'ENCLAVE.BAD_REQUEST', cause: `the signing job is malformed: ${reason}` },
      ]);
    });

    it.each([
      ['an agent key stored for an mpc key job', mpcKeyJob(), { kind: 'created', result: createdKey(1) } as JobAnswer],
      ["an mpc key's shares stored for an agent key job", keyJob({ walletId: 'wallet-mpc-new-1' }), created(1)],
    ])('never answers %s (one ledger name per wallet): not answered, left for redelivery', async (_, job, stored) => {
      const t = setup();
      await t.ledger.claim(job.jobId, OTHER_HOST);
      await t.ledger.answer(job.jobId, OTHER_HOST, stored);
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'error', callback: 'none', deleted: false }),
      ]);
      expect(t.enclave.workRequests).toEqual([]);
      expect(t.outputs()).toEqual([]);
      expect(t.failures()).toEqual([]);
    });

    it.each([
      ['shares of another wallet', (key: CreatedMpcKey) => ({ ...key, ...createdMpcKey(1, 'wallet-other') })],
      [
        'a share 3 for another epoch',
        (key: CreatedMpcKey) => ({
          ...key,
          recoveryShare: { ...key.recoveryShare, context: { ...key.recoveryShare.context, epoch: '2' } },
        }),
      ],
      [
        'a share 2 with an extra field',
        (key: CreatedMpcKey) => ({
          ...key,
          coSignerShare: { ...key.coSignerShare, plaintext: '00' },
        }),
      ],
      [
        'a sealed share that is an agent key',
        (key: CreatedMpcKey) => ({
          ...key,
          sealedShare: { ...key.sealedShare, context: { ...key.sealedShare.context, purpose: 'agent-key' } },
        }),
      ],
    ])('stores nothing and answers nothing when the enclave answers %s', async (_, tamper) => {
      const t = setup();
      t.enclave.behaviour = async () => ({ op: 'createMpcKey', ...(tamper(createdMpcKey(1)) as CreatedMpcKey) });
      const job = mpcKeyJob();
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'enclave-unavailable', callback: 'none', deleted: false }),
      ]);
      expect(t.outputs()).toEqual([]);
      expect(t.failures()).toEqual([]);
      expect(t.logger.text).toContain('the enclave answered with something else than the job asked');
    });

    it('logs an mpc key job by identifiers and outcomes only, never the recovery key', async () => {
      const t = setup();
      await t.send(mpcKeyJob());
      await t.host.runOnce();

      const handled = t.logger.lines.find((l) => l.message === 'signing job handled');
      expect(handled?.attributes).toEqual(
        expect.objectContaining({ job: 'createMpcKey', jobId: 'wallet:wallet-mpc-new-1', answer: 'created-mpc' }),
      );
      expect(t.logger.text).not.toContain(RECOVERY_PUBLIC_KEY);
    });

    it('makes a real key with the in-process enclave: the answer parses, share 3 opens with the recovery key, the attestation binds both ciphertexts', async () => {
      const nsm = new FakeNsm();
      const handler = createEnclave({ config: enclaveConfig(newAccount().address), nsm, kms: new FakeEnclaveKms() });
      const enclave: EnclaveClient = { call: (request) => handler(request) };
      const t = setup({ enclave });
      const recovery = await generateRecoveryKeyPair();
      const job = mpcKeyJob({ walletId: 'wallet-mpc-real', recoveryPublicKey: recovery.publicKey });
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'created', callback: 'sent' })]);
      const [answered] = t.outputs();
      const key = createdMpcKeyOf(JSON.parse(answered!.output!));
      expect(key).toBeDefined();
      expect(key!.sealedShare.context).toMatchObject({
        walletId: 'wallet-mpc-real',
        purpose: 'key-share',
        version: '1',
      });
      const share3 = await openShare(recovery.privateKey, key!.recoveryShare, key!.recoveryShare.context);
      expect(share3).toHaveLength(33);
      const userData = mpcKeyUserData({
        deployment: key!.sealedShare.context.deployment,
        walletId: 'wallet-mpc-real',
        address: key!.address,
        epoch: key!.epoch,
        coSignerCiphertext: Buffer.from(key!.coSignerShare.ciphertextBlob, 'base64'),
        recoveryCiphertext: decodeBase64url(key!.recoveryShare.ciphertext)!,
      });
      const document = readFakeDocument(Buffer.from(key!.attestation, 'base64'));
      expect(`0x${document.userData}`).toBe(bytesToHex(userData));
      // Stored as the job's answer, and a redelivery gets exactly these shares.
      await t.send(job);
      await t.host.runOnce();
      expect(t.outputs().map((o) => o.output)).toEqual([answered!.output, answered!.output]);
      for (const secret of [
        key!.sealedShare.ciphertext,
        key!.coSignerShare.ciphertextBlob,
        key!.recoveryShare.ciphertext,
        key!.attestation,
      ])
        expect(t.logger.text).not.toContain(secret);
    });
  });

  it("signs an enclave wallet's job that names its scheme ('enclave'), never asking the co-signer", async () => {
    const t = setup();
    const job = signingJob({ scheme: 'enclave' });
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ jobId: job.jobId, outcome: 'signed', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.workRequests.map((r) => r.op)).toEqual(['sign']);
    expect(t.coSigner.requests).toEqual([]);
    expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) }]);
    const handled = t.logger.lines.find((l) => l.message === 'signing job handled');
    expect(handled?.attributes).toEqual(expect.objectContaining({ scheme: 'enclave', job: 'sign' }));
  });

  it.each([
    ['refuses connections', new EnclaveUnavailableError('refused', 'nothing listens at the enclave socket')],
    ['times out', new EnclaveUnavailableError('timeout', 'the enclave did not answer health within 2000 ms')],
    ['is reached by no socket at all', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])(
    'neither claims, answers nor deletes when the enclave %s, so the workflow can void the job',
    async (_, failure) => {
      const t = setup();
      t.enclave.down = failure;
      const job = signingJob();
      await t.send(job);

      const reports = await t.host.runOnce();

      expect(reports).toEqual([
        expect.objectContaining({ outcome: 'enclave-unavailable', callback: 'none', deleted: false }),
      ]);
      expect(t.enclave.requests.map((r) => r.op)).toEqual(['health']);
      expect(t.outputs()).toEqual([]);
      expect(t.failures()).toEqual([]);
      expect(t.inQueue()).toBe(1);
      // No claim was left behind: the workflow's void succeeds, and the message that comes back once the
      // enclave is up again is failed as voided, never signed.
      await expect(t.ledger.void(job.jobId, 'workflow', 'Sign timed out')).resolves.toEqual({ kind: 'voided' });
      t.enclave.down = undefined;
      await t.send(job);
      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'voided', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.workRequests).toEqual([]);
    },
  );

  it('leaves the job claimed and in flight, unanswered, when the enclave stops answering after its health', async () => {
    const t = setup();
    t.enclave.behaviour = async () => {
      throw new EnclaveUnavailableError('timeout', 'the enclave did not answer sign within 30000 ms');
    };
    const job = signingJob();
    await t.send(job);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'enclave-unavailable', callback: 'none', deleted: false }),
    ]);
    expect(t.inQueue()).toBe(1);
    // A signature may exist: the workflow cannot void the job, and learns which host claimed it.
    await expect(t.ledger.void(job.jobId, 'workflow', 'Sign timed out')).resolves.toEqual({
      kind: 'in-flight',
      claimedBy: HOST_ID,
      claimedAt: t.clock.now().toISOString(),
    });
  });

  it('does not claim, ask the enclave, answer or delete when the instance credentials cannot be read', async () => {
    const t = setup({
      credentials: async () => {
        throw Object.assign(new Error('IMDS unreachable'), { name: 'CredentialsProviderError' });
      },
    });
    await t.send(signingJob());

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'enclave-unavailable', callback: 'none', deleted: false }),
    ]);
    expect(t.enclave.signRequests).toHaveLength(0);
    expect(t.inQueue()).toBe(1);
    await expect(t.ledger.void(signingJob().jobId, 'workflow', 'test')).resolves.toEqual({ kind: 'voided' });
  });

  it('heartbeats the task and extends the message visibility while the enclave signs, and stops after', async () => {
    const t = setup();
    const { started, signing } = slowSign(t.enclave);
    await t.send(signingJob());
    const visibilityChangesBefore = standIn.calls.filter((c) => c === 'ChangeMessageVisibility').length;

    const run = t.host.runOnce();
    await started.opened;
    for (let i = 0; i < 3; i += 1) await t.clock.advance(HEARTBEAT_SECONDS * 1000);
    signing.open();
    await run;
    await t.clock.advance(10 * HEARTBEAT_SECONDS * 1000);

    expect(t.sfn.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TASK_TOKEN },
      { taskToken: TASK_TOKEN },
      { taskToken: TASK_TOKEN },
    ]);
    expect(standIn.calls.filter((c) => c === 'ChangeMessageVisibility').length - visibilityChangesBefore).toBe(3);
    expect(t.logger.lines.filter((l) => l.level === 'WARN')).toEqual([]);
    expect(t.clock.activeTimers).toBe(0);
    expect(t.inQueue()).toBe(0);
  });

  it('keeps signing when a heartbeat fails, and deletes the message when the task has timed out meanwhile', async () => {
    const t = setup();
    const { started, signing } = slowSign(t.enclave);
    // Step Functions may quote the token in its message: the host must log the name only.
    const timedOut = new TaskTimedOut({ message: `Task Timed Out: '${TASK_TOKEN}'`, $metadata: {} });
    t.sfn.on(SendTaskHeartbeatCommand).rejects(timedOut);
    t.sfn.on(SendTaskSuccessCommand).rejects(timedOut);
    await t.send(signingJob());

    const run = t.host.runOnce();
    await started.opened;
    await t.clock.advance(HEARTBEAT_SECONDS * 1000);
    signing.open();

    expect(await run).toEqual([expect.objectContaining({ outcome: 'signed', callback: 'task-gone', deleted: true })]);
    expect(t.inQueue()).toBe(0);
    expect(t.logger.text).toContain('TaskTimedOut');
  });

  it('leaves a body that is not a job in the queue for its dead-letter queue, logging only its MessageId', async () => {
    const t = setup();
    const body = `{"taskToken": 42, "note": "${TASK_TOKEN}"`;
    const { MessageId } = await t.send(body);

    expect(await t.host.runOnce()).toEqual([
      { messageId: MessageId, outcome: 'malformed', callback: 'none', deleted: false },
    ]);
    expect(t.enclave.requests).toHaveLength(0);
    expect(t.inQueue()).toBe(1);
    const line = t.logger.lines.find((l) => l.level === 'ERROR');
    expect(line?.attributes).toEqual({ messageId: MessageId, reason: 'the body is not JSON', tokenReadable: false });
  });

  it('fails the task of a malformed job whose token is readable, with ENCLAVE.BAD_REQUEST, then deletes it', async () => {
    const t = setup();
    const { sealedKey: _sealedKey, ...withoutKey } = signingJob();
    await t.send(withoutKey);

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'malformed', callback: 'sent', deleted: true }),
    ]);
    expect(t.enclave.requests).toHaveLength(0);
    expect(t.sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      {
        taskToken: TASK_TOKEN,
        error: 'ENCLAVE.BAD_REQUEST',
        cause: 'the signing job is malformed: sealedKey is not an object',
      },
    ]);
    expect(t.inQueue()).toBe(0);
  });

  it.each([
    ['claimed', 'claim'],
    ['answered', 'answer'],
  ] as const)('neither answers nor deletes when the job ledger cannot be %s', async (_, failing) => {
    const memory = new MemoryJobLedger();
    const broken: JobLedger = {
      claim: (jobId, hostId) => memory.claim(jobId, hostId),
      answer: (jobId, hostId, answer) => memory.answer(jobId, hostId, answer),
      void: (jobId, actor, reason) => memory.void(jobId, actor, reason),
      [failing]: async () => {
        throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
      },
    };
    const t = setup({ ledger: broken });
    await t.send(signingJob());

    expect(await t.host.runOnce()).toEqual([
      expect.objectContaining({ outcome: 'store-failed', callback: 'none', deleted: false }),
    ]);
    expect(t.enclave.signRequests).toHaveLength(failing === 'claim' ? 0 : 1);
    expect(t.outputs()).toEqual([]);
    expect(t.failures()).toEqual([]);
    expect(t.inQueue()).toBe(1);
    expect(t.logger.text).toContain('ResourceNotFoundException');
  });

  it('stops gracefully: the long poll ends and the job being signed is answered and deleted first', async () => {
    const t = setup({ waitTimeSeconds: 20 });
    const { started, signing } = slowSign(t.enclave);
    t.host.start();
    await t.send(signingJob());
    await started.opened;

    let stopped = false;
    const stopping = t.host.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    signing.open();
    await stopping;

    expect(t.outputs()).toHaveLength(1);
    expect(t.inQueue()).toBe(0);
    // Stopped with a 20 s long poll pending: stop() ended it instead of waiting it out.
    await expect(t.host.stop()).resolves.toBeUndefined();
  });

  it('reports the enclave up with its counters, and down when its health op fails', async () => {
    const t = setup();
    expect(await t.host.health()).toEqual({
      enclave: 'up',
      lastPollAt: null,
      jobs: expect.objectContaining({ signed: 0 }),
    });
    await t.send(signingJob());
    await t.host.runOnce();
    t.enclave.down = new EnclaveUnavailableError('refused', 'nothing listens');
    expect(await t.host.health()).toEqual({
      enclave: 'down',
      lastPollAt: t.clock.now().toISOString(),
      jobs: expect.objectContaining({ signed: 1, refused: 0 }),
    });
  });

  describe("an mpc wallet's job (issue 16): session, share 2 from the co-signer, then signMpc", () => {
    const refused = (code: string, message: string): JobAnswer => ({ kind: 'refused', code, message }) as JobAnswer;

    it('opens a session, has the co-signer release share 2 to its attestation, signs with both shares, answers and deletes', async () => {
      const t = setup();
      const job = mpcJob();
      await t.send(job);

      const reports = await t.host.runOnce();

      expect(reports).toEqual([
        expect.objectContaining({ jobId: job.jobId, outcome: 'signed', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.requests.map((r) => r.op)).toEqual(['health', 'openMpcSession', 'signMpc']);
      expect(t.enclave.workRequests[0]).toEqual({ op: 'openMpcSession', walletId: job.walletId, jobId: job.jobId });
      expect(t.coSigner.requests).toEqual([
        {
          jobId: job.jobId,
          walletId: job.walletId,
          proof: job.proof,
          proofSignature: job.proofSignature,
          attestation: SESSION_ATTESTATION,
        },
      ]);
      expect(t.enclave.signMpcRequests).toEqual([
        {
          op: 'signMpc',
          transferId: job.transferId,
          walletId: job.walletId,
          jobId: job.jobId,
          sessionId: 'session-1',
          proof: job.proof,
          proofSignature: job.proofSignature,
          sealedShare: job.sealedKey,
          releasedShare: RELEASED_SHARE,
          credentials: CREDENTIALS,
        },
      ]);
      expect(t.outputs()).toEqual([{ taskToken: TASK_TOKEN, output: JSON.stringify(SIGNED) }]);
      expect(t.inQueue()).toBe(0);
      await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({
        kind: 'answered',
        answer: signed(SIGNED),
      });
    });

    it("fails the task with the co-signer's refusal code, stores it, never asks the enclave to sign, and answers a redelivery from the ledger", async () => {
      const t = setup();
      t.coSigner.behaviour = async () => ({
        ok: false,
        code: 'COSIGNER.CAP_EXCEEDED',
        message: "the wallet's daily co-signing cap would be exceeded",
      });
      const job = mpcJob();
      await t.send(job);

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'refused', callback: 'sent', deleted: true }),
      ]);
      const failure = {
        taskToken: TASK_TOKEN,
        error: 'COSIGNER.CAP_EXCEEDED',
        cause: "the wallet's daily co-signing cap would be exceeded",
      };
      expect(t.failures()).toEqual([failure]);
      expect(t.outputs()).toEqual([]);
      expect(t.enclave.signMpcRequests).toEqual([]);
      expect(t.inQueue()).toBe(0);
      // Stored: the workflow's void learns that nothing was signed.
      await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({
        kind: 'answered',
        answer: refused('COSIGNER.CAP_EXCEEDED', failure.cause),
      });

      await t.send(job);
      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
      ]);
      expect(t.failures()).toEqual([failure, failure]);
      expect(t.coSigner.requests).toHaveLength(1);
      expect(t.enclave.workRequests.map((r) => r.op)).toEqual(['openMpcSession']);
    });

    it.each([
      [
        'the co-signer throws',
        {},
        (coSigner: FakeCoSigner) => {
          coSigner.behaviour = async () => {
            throw Object.assign(new Error(`invoke failed for ${SESSION_ATTESTATION}`), { name: 'ServiceException' });
          };
        },
      ],
      [
        'the co-signer answers with something that is not an answer',
        {},
        (coSigner: FakeCoSigner) => {
          coSigner.behaviour = async () => ({ ok: false, code: 'COSIGNER.SOMETHING_NEW', message: '' }) as never;
        },
      ],
      ['no co-signer is configured', { coSigner: undefined }, () => undefined],
    ] as const)(
      'fails the task COSIGNER.UNAVAILABLE, stored, and never asks the enclave to sign, when %s',
      async (_, overrides, arrange) => {
        const t = setup(overrides);
        arrange(t.coSigner);
        const job = mpcJob();
        await t.send(job);

        expect(await t.host.runOnce()).toEqual([
          expect.objectContaining({ outcome: 'refused', callback: 'sent', deleted: true }),
        ]);
        expect(t.failures()).toEqual([
          expect.objectContaining({ taskToken: TASK_TOKEN, error: 'COSIGNER.UNAVAILABLE' }),
        ]);
        expect(t.enclave.signMpcRequests).toEqual([]);
        await expect(t.ledger.void(job.jobId, 'workflow', 'test')).resolves.toEqual({
          kind: 'answered',
          answer: expect.objectContaining({ kind: 'refused', code: 'COSIGNER.UNAVAILABLE' }),
        });
      },
    );

    it('fails the task COSIGNER.UNAVAILABLE when the co-signer does not answer in time, and ignores its late answer', async () => {
      const t = setup({ coSignerTimeoutMs: 20_000 });
      const asked = gate();
      const late = gate();
      t.coSigner.behaviour = async () => {
        asked.open();
        await late.opened;
        return { ok: true, share: RELEASED_SHARE };
      };
      await t.send(mpcJob());

      const run = t.host.runOnce();
      await asked.opened;
      await t.clock.advance(20_000);
      const reports = await run;
      late.open();
      await new Promise((resolve) => setImmediate(resolve));

      expect(reports).toEqual([expect.objectContaining({ outcome: 'refused', callback: 'sent', deleted: true })]);
      expect(t.failures()).toEqual([expect.objectContaining({ error: 'COSIGNER.UNAVAILABLE' })]);
      expect(t.enclave.signMpcRequests).toEqual([]);
      expect(t.clock.activeTimers).toBe(0);
    });

    it('heartbeats the task and the message across the whole flow, the co-signer included', async () => {
      const t = setup({ coSignerTimeoutMs: 300_000 });
      const asked = gate();
      const release = gate();
      const signing = gate();
      t.coSigner.behaviour = async () => {
        asked.open();
        await release.opened;
        return { ok: true, share: RELEASED_SHARE };
      };
      const signingStarted = gate();
      t.enclave.behaviour = async (request) => {
        if (request.op === 'openMpcSession')
          return { op: 'openMpcSession', sessionId: 'session-1', attestation: SESSION_ATTESTATION };
        signingStarted.open();
        await signing.opened;
        return { op: 'signMpc', ...SIGNED };
      };
      await t.send(mpcJob());

      const run = t.host.runOnce();
      await asked.opened;
      await t.clock.advance(HEARTBEAT_SECONDS * 1000);
      release.open();
      await signingStarted.opened;
      await t.clock.advance(HEARTBEAT_SECONDS * 1000);
      signing.open();

      expect(await run).toEqual([expect.objectContaining({ outcome: 'signed', callback: 'sent', deleted: true })]);
      expect(t.sfn.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(2);
      expect(t.clock.activeTimers).toBe(0);
    });

    it('answers a redelivered mpc job from the ledger, without a second session or release', async () => {
      const t = setup();
      t.sfn.on(SendTaskSuccessCommand).rejectsOnce(new Error('socket hang up')).resolves({});
      await t.send(mpcJob());
      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ callback: 'failed', deleted: false })]);

      await t.send(mpcJob());
      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'answered-again', callback: 'sent', deleted: true }),
      ]);
      expect(t.enclave.workRequests.map((r) => r.op)).toEqual(['openMpcSession', 'signMpc']);
      expect(t.coSigner.requests).toHaveLength(1);
      expect(t.outputs().map((o) => o.output)).toEqual([JSON.stringify(SIGNED), JSON.stringify(SIGNED)]);
    });

    it.each([
      ['openMpcSession', 'ENCLAVE.BAD_REQUEST', 1, 0],
      ['signMpc', 'ENCLAVE.SHARE_INVALID', 2, 1],
    ] as const)(
      "stores and sends the enclave's refusal of %s (%s)",
      async (refusingOp, code, enclaveCalls, releases) => {
        const t = setup();
        const behaviour = t.enclave.behaviour;
        t.enclave.behaviour = async (request) => {
          if (request.op === refusingOp) throw new EnclaveError(code, `the enclave refused ${refusingOp}`);
          return behaviour(request);
        };
        const job = mpcJob();
        await t.send(job);

        expect(await t.host.runOnce()).toEqual([
          expect.objectContaining({ outcome: 'refused', callback: 'sent', deleted: true }),
        ]);
        expect(t.failures()).toEqual([
          { taskToken: TASK_TOKEN, error: code, cause: `the enclave refused ${refusingOp}` },
        ]);
        expect(t.enclave.workRequests).toHaveLength(enclaveCalls);
        expect(t.coSigner.requests).toHaveLength(releases);
      },
    );

    it.each(['openMpcSession', 'signMpc'] as const)(
      'leaves the job claimed and in flight, unanswered, when the enclave does not answer %s',
      async (silentOp) => {
        const t = setup();
        const behaviour = t.enclave.behaviour;
        t.enclave.behaviour = async (request) => {
          if (request.op === silentOp) throw new EnclaveUnavailableError('timeout', 'no answer within 30000 ms');
          return behaviour(request);
        };
        const job = mpcJob();
        await t.send(job);

        expect(await t.host.runOnce()).toEqual([
          expect.objectContaining({ outcome: 'enclave-unavailable', callback: 'none', deleted: false }),
        ]);
        expect(t.outputs()).toEqual([]);
        expect(t.failures()).toEqual([]);
        expect(t.inQueue()).toBe(1);
        await expect(t.ledger.void(job.jobId, 'workflow', 'Sign timed out')).resolves.toEqual(
          expect.objectContaining({ kind: 'in-flight', claimedBy: HOST_ID }),
        );
      },
    );

    it('fails an mpc job whose sealed key is an agent key as malformed, asking neither the enclave nor the co-signer', async () => {
      const t = setup();
      const job = mpcJob();
      await t.send({
        ...job,
        sealedKey: { ...job.sealedKey, context: { ...job.sealedKey.context, purpose: 'agent-key' } },
      });

      expect(await t.host.runOnce()).toEqual([
        expect.objectContaining({ outcome: 'malformed', callback: 'sent', deleted: true }),
      ]);
      expect(t.failures()).toEqual([
        {
          taskToken: TASK_TOKEN,
          error: 'ENCLAVE.BAD_REQUEST',
          cause: 'the signing job is malformed: sealedKey.context.purpose is not key-share',
        },
      ]);
      expect(t.enclave.requests).toEqual([]);
      expect(t.coSigner.requests).toEqual([]);
    });

    it("signs an enclave wallet's job (no scheme) as before, never asking the co-signer", async () => {
      const t = setup();
      await t.send(signingJob());

      expect(await t.host.runOnce()).toEqual([expect.objectContaining({ outcome: 'signed', callback: 'sent' })]);
      expect(t.enclave.workRequests.map((r) => r.op)).toEqual(['sign']);
      expect(t.coSigner.requests).toEqual([]);
    });

    it('logs the mpc flow by identifiers and outcomes only', async () => {
      const t = setup();
      await t.send(mpcJob());
      await t.host.runOnce();

      const released = t.logger.lines.find((l) => l.message.includes('released share 2'));
      expect(released?.attributes).toEqual(
        expect.objectContaining({ scheme: 'mpc', jobId: mpcJob().jobId, sessionId: 'session-1' }),
      );
      expect(t.logger.text).toContain('tx-0002');
    });
  });

  it('never writes a task token, credentials, a sealed key or a proof signature to a log line', () => {
    const text = loggers.map((logger) => logger.text).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).toContain('tx-0001');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});

/** An enclave that starts signing, then waits for `signing` to open before it answers: a slow sign. */
function slowSign(enclave: FakeEnclave): {
  started: ReturnType<typeof gate>;
  signing: ReturnType<typeof gate>;
} {
  const started = gate();
  const signing = gate();
  // `health` is answered at once by FakeEnclave: only the sign is slow.
  enclave.behaviour = async () => {
    started.open();
    await signing.opened;
    return { op: 'sign', ...SIGNED };
  };
  return { started, signing };
}
