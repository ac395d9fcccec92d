import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  InvalidParameterException,
} from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from './stand-in-client-config';

describe('SNS and SQS stand-ins, through the SDK', () => {
  let aws: AwsStandIns;
  let sns: SNSClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    aws = await startAwsStandIns();
    sns = new SNSClient(standInClientConfig(aws.endpoints.sns, aws.region));
    sqs = new SQSClient(standInClientConfig(aws.endpoints.sqs, aws.region));
  });
  afterAll(async () => {
    sns.destroy();
    sqs.destroy();
    await aws.stop();
  });

  const createQueue = async (name: string): Promise<{ url: string; arn: string }> => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  const counts = async (queueUrl: string): Promise<Record<string, string>> =>
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes!;

  it('records each publish with its subject and attributes, and delivers it only where the filter policy matches', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'transfer-events' }));
    expect(TopicArn).toBe(`arn:aws:sns:us-east-1:000000000000:transfer-events`);
    const onlyA = await createQueue('only-a');
    const notA = await createQueue('not-a');
    const rawA = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: onlyA.arn,
        Attributes: { FilterPolicy: JSON.stringify({ kind: ['A'] }), RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    );
    const envelopedNotA = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: notA.arn,
        Attributes: { FilterPolicy: JSON.stringify({ kind: [{ 'anything-but': 'A' }] }) },
        ReturnSubscriptionArn: true,
      }),
    );
    const lambdaA = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:notify',
        Attributes: { FilterPolicy: JSON.stringify({ kind: ['A'], amount: [{ numeric: ['>', 10] }] }) },
        ReturnSubscriptionArn: true,
      }),
    );

    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(listed.Subscriptions?.map((s) => [s.Protocol, s.Endpoint])).toEqual([
      ['sqs', onlyA.arn],
      ['sqs', notA.arn],
      ['lambda', 'arn:aws:lambda:us-east-1:000000000000:function:notify'],
    ]);

    for (const [kind, amount] of [
      ['A', '50'],
      ['B', '50'],
      ['A', '5'],
    ] as const) {
      await sns.send(
        new PublishCommand({
          TopicArn,
          Subject: `kind ${kind}`,
          Message: JSON.stringify({ kind, amount }),
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: kind },
            amount: { DataType: 'Number', StringValue: amount },
          },
        }),
      );
    }

    const published = aws.sns.published(TopicArn);
    expect(published.map((p) => [p.subject, p.messageAttributes.kind?.StringValue])).toEqual([
      ['kind A', 'A'],
      ['kind B', 'B'],
      ['kind A', 'A'],
    ]);
    expect(published[0]!.messageAttributes.amount).toEqual({ DataType: 'Number', StringValue: '50' });

    const bodies = (arn: string): unknown[] => aws.sns.deliveries(arn).map((d) => d.body);
    expect(bodies(rawA.SubscriptionArn!)).toEqual([published[0]!.message, published[2]!.message]);
    expect(bodies(lambdaA.SubscriptionArn!)).toHaveLength(1);
    const notification = JSON.parse(aws.sns.deliveries(envelopedNotA.SubscriptionArn!)[0]!.body) as Record<
      string,
      unknown
    >;
    expect(aws.sns.deliveries(envelopedNotA.SubscriptionArn!)).toHaveLength(1);
    expect(notification).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Subject: 'kind B',
      Message: published[1]!.message,
      MessageAttributes: { kind: { Type: 'String', Value: 'B' } },
    });

    // The SQS subscriptions' queues got the messages: raw with the attributes beside the body, or the notification.
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: onlyA.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual([published[0]!.message, published[2]!.message]);
    expect(received.Messages?.[0]?.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'A' });
    const enveloped = await sqs.send(new ReceiveMessageCommand({ QueueUrl: notA.url, MaxNumberOfMessages: 10 }));
    expect(enveloped.Messages?.map((m) => JSON.parse(m.Body!) as unknown)).toEqual([notification]);
  });

  it('answers a publish to a missing topic with NotFoundException and a bad filter policy with InvalidParameterException', async () => {
    await expect(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'x' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'policies' }));
    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q',
          Attributes: { FilterPolicy: '{"kind": "A"}' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('sends, receives, hides, counts and deletes messages', async () => {
    const { url } = await createQueue('work');
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'work' }))).QueueUrl).toBe(url);
    for (const body of ['one', 'two', 'three']) {
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageAttributes: { step: { DataType: 'String', StringValue: body } },
        }),
      );
      expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await counts(url)).toEqual({ ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' });

    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2, MessageSystemAttributeNames: ['All'] }),
    );
    expect(first.Messages?.map((m) => m.Body)).toEqual(['one', 'two']);
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(first.Messages?.[0]?.MessageAttributes).toBeUndefined();
    expect(await counts(url)).toEqual({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '2' });

    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }));
    // Visible again at once: received a second time.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first.Messages![1]!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['two', '2'],
      ['three', '1'],
    ]);
    for (const message of again.Messages!)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
    expect(await counts(url)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    expect(aws.sqs.messages(url)).toEqual([]);
  });

  it('answers the MD5 digests of body and attributes that SQS answers (digests as published by moto, taken on AWS)', async () => {
    const { url } = await createQueue('digests');
    for (const [timestamp, digest] of [
      ['1493147359900', '235c5c510d26fb653d073faed50ae77c'],
      ['1493147359901', '994258b45346a2cc3f9cbb611aa7af30'],
    ] as const) {
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'derp',
          MessageAttributes: { timestamp: { DataType: 'Number', StringValue: timestamp } },
        }),
      );
      expect(sent).toMatchObject({
        MD5OfMessageBody: '58fd9edd83341c29f1aebba81c31e257',
        MD5OfMessageAttributes: digest,
      });
    }
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2, MessageAttributeNames: ['timestamp'] }),
    );
    expect(received.Messages?.map((m) => m.MD5OfMessageAttributes)).toEqual([
      '235c5c510d26fb653d073faed50ae77c',
      '994258b45346a2cc3f9cbb611aa7af30',
    ]);
  });

  it('long-polls: a receive waiting on an empty queue returns the message sent meanwhile', async () => {
    const { url } = await createQueue('long-poll');
    const started = Date.now();
    const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    const received = await receiving;
    expect(received.Messages?.map((m) => m.Body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it('answers an unknown queue with QueueDoesNotExist and a receipt handle it never issued with ReceiptHandleIsInvalid', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nowhere' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    const { url } = await createQueue('handles');
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url.replace('handles', 'nowhere'), MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'made-up' })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });
});
