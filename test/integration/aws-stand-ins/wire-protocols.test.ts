import { CreateKeyCommand, DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from './stand-in-client-config';

/** A request that is not the SDK's: fetch, unsigned or half-formed. */
async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(`${url}/`, { method: 'POST', headers, body });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}
const SIGNED = (service: string): Record<string, string> => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  'x-amz-date': '20260101T000000Z',
});

describe('the stand-ins speak the wire protocols of the SDK', () => {
  let aws: AwsStandIns;

  beforeAll(async () => {
    aws = await startAwsStandIns();
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('SDK clients configured by nothing but the AWS_ENDPOINT_URL_* variables, region and credentials of env reach every stand-in', async () => {
    // Only what the stand-ins set, and a profile that could name other endpoints, is changed and put back.
    const touched = [...Object.keys(aws.env), 'AWS_PROFILE'];
    const saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
    Reflect.deleteProperty(process.env, 'AWS_PROFILE');
    Object.assign(process.env, aws.env);
    const clients = [
      new KMSClient({}),
      new SFNClient({}),
      new SNSClient({}),
      new SQSClient({}),
      new SecretsManagerClient({}),
    ];
    try {
      const [kms, sfn, sns, sqs, secrets] = clients as [
        KMSClient,
        SFNClient,
        SNSClient,
        SQSClient,
        SecretsManagerClient,
      ];
      const key = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }));
      expect(key.KeyMetadata?.Arn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
      await expect(
        sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' })),
      ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
      expect((await sns.send(new CreateTopicCommand({ Name: 'env' }))).TopicArn).toBe(
        'arn:aws:sns:us-east-1:000000000000:env',
      );
      expect((await sqs.send(new CreateQueueCommand({ QueueName: 'env' }))).QueueUrl).toBe(
        `${aws.endpoints.sqs}/000000000000/env`,
      );
      aws.secrets.putSecret('env', 'value');
      expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'env' }))).SecretString).toBe('value');
      expect(aws.kms.callsOf('CreateKey')).toBe(1);
      expect([aws.sfn.calls, aws.sns.calls, aws.sqs.calls, aws.secrets.calls]).toEqual([
        ['DescribeExecution'],
        ['CreateTopic'],
        ['CreateQueue'],
        ['GetSecretValue'],
      ]);
    } finally {
      for (const client of clients) client.destroy();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });

  it('a JSON service answers an unsigned, mistyped or untargeted request with its error shape', async () => {
    const target = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.CreateKey' };
    const unsigned = await post(aws.endpoints.kms, target, '{}');
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.text)).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    const wrongType = await post(
      aws.endpoints.kms,
      { ...SIGNED('kms'), ...target, 'content-type': 'application/json' },
      '{}',
    );
    expect([wrongType.status, JSON.parse(wrongType.text).__type]).toEqual([400, 'SerializationException']);
    const unknown = await post(
      aws.endpoints.kms,
      { ...SIGNED('kms'), ...target, 'x-amz-target': 'TrentService.Nope' },
      '{}',
    );
    expect([unknown.status, JSON.parse(unknown.text).__type]).toEqual([400, 'UnknownOperationException']);
    const notJson = await post(aws.endpoints.kms, { ...SIGNED('kms'), ...target }, '[1]');
    expect([notJson.status, JSON.parse(notJson.text).__type]).toEqual([400, 'SerializationException']);
    expect(aws.kms.calls).not.toContainEqual({ operation: 'Nope' });
  });

  it('SQS errors carry x-amzn-query-error, and SNS answers in XML', async () => {
    const queueMissing = await fetch(`${aws.endpoints.sqs}/`, {
      method: 'POST',
      headers: {
        ...SIGNED('sqs'),
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueUrl',
      },
      body: JSON.stringify({ QueueName: 'none' }),
    });
    expect(queueMissing.status).toBe(400);
    expect(queueMissing.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(((await queueMissing.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#QueueDoesNotExist');

    const sns = await post(
      aws.endpoints.sns,
      { 'content-type': 'application/x-www-form-urlencoded' },
      'Action=CreateTopic&Version=2010-03-31&Name=t',
    );
    expect(sns.status).toBe(403);
    expect(sns.type).toBe('text/xml');
    expect(sns.text).toContain('<Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>');
    const unknownAction = await post(
      aws.endpoints.sns,
      { ...SIGNED('sns'), 'content-type': 'application/x-www-form-urlencoded' },
      'Action=Nope&Version=2010-03-31',
    );
    expect([unknownAction.status, /<Code>(\w+)<\/Code>/.exec(unknownAction.text)?.[1]]).toEqual([400, 'InvalidAction']);
  });

  it('a client pointed at the wrong stand-in is refused for its credential scope; KMS refuses what it does not serve', async () => {
    const misrouted = new SQSClient(standInClientConfig(aws.endpoints.kms, aws.region));
    try {
      await expect(misrouted.send(new CreateQueueCommand({ QueueName: 'x' }))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      misrouted.destroy();
    }
    const kms = new KMSClient(standInClientConfig(aws.endpoints.kms, aws.region));
    try {
      await expect(
        kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })),
      ).rejects.toMatchObject({
        name: 'UnsupportedOperationException',
      });
      await expect(
        kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'ENCRYPT_DECRYPT' })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(
        kms.send(
          new CreateKeyCommand({
            Tags: [
              { TagKey: 'a', TagValue: '1' },
              { TagKey: 'a', TagValue: '2' },
            ],
          }),
        ),
      ).rejects.toMatchObject({ name: 'TagException' });
      await expect(kms.send(new DescribeKeyCommand({ KeyId: 'not-a-key' }))).rejects.toBeInstanceOf(NotFoundException);
    } finally {
      kms.destroy();
    }
  });
});
