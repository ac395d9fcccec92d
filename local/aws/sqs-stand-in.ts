/**
 * A local Amazon SQS (`AmazonSQS`, awsJson1_0, query-compatible errors) for standard queues:
 * CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue, SendMessage, SendMessageBatch,
 * ReceiveMessage (visibility timeout, long polling with WaitTimeSeconds, DelaySeconds, message and
 * system attributes), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, GetQueueAttributes
 * (ApproximateNumberOfMessages, …NotVisible, …Delayed, QueueArn and the settable attributes). Bodies
 * and message attributes carry the MD5 digests the SDK checks. A RedrivePolicy moves a message to its
 * dead-letter queue once it has been received maxReceiveCount times; retention drops old messages.
 * Queue URLs are `http://127.0.0.1:<port>/<account>/<name>`, so the SDK's queue-URL routing reaches
 * this server.
 *
 * Left out: FIFO queues (refused), message ordering beyond arrival order, SSE (KMS attributes are
 * stored, not used), queue policies and tags (stored, not evaluated), list-valued attributes, message
 * move tasks, the 60 s PurgeQueue limit, IAM and SigV4 verification.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AwsJsonInput, AwsJsonService } from './aws-json-protocol';
import { AwsServiceError } from './aws-service-error';
import { jsonInput, type JsonInput } from './json-input';

export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64, as on the wire. */
  readonly BinaryValue?: string;
}

/** A message as it sits in a queue (for tests: `messages` does not receive it). */
export interface SqsQueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly receiveCount: number;
}

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of the latest receive. */
  handle?: string;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Record<string, string>;
  readonly created: number;
  modified: number;
  messages: Message[];
}

const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};
/** Settable attributes with an integer range. */
const INTEGER_ATTRIBUTES: Readonly<Record<string, readonly [number, number]>> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const OTHER_ATTRIBUTES = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
]);
const FIFO_ATTRIBUTES = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];
const SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'];
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
// XML 1.0 characters: what SQS accepts in a body or attribute value.
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const POLL_INTERVAL_MS = 20;

const sqsError = (code: string, message: string, options: { queryCode?: string; status?: number } = {}) =>
  new AwsServiceError(code, message, options);
const invalidValue = (message: string): AwsServiceError => sqsError('InvalidParameterValue', message);
const queueMissing = (): AwsServiceError =>
  sqsError('QueueDoesNotExist', 'The specified queue does not exist.', {
    queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
  });
const read = (input: AwsJsonInput): JsonInput => jsonInput(input, invalidValue);
const md5 = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex');

/** The SQS stand-in's state and operations; serve `service` with the JSON protocol layer. */
export class SqsStandIn {
  readonly service: AwsJsonService;
  private readonly recorded: string[] = [];
  private readonly queues = new Map<string, Queue>();
  /** Every receipt handle issued, and the queue it was issued for. */
  private readonly handles = new Map<string, string>();
  private closed = false;

  /** @param endpoint the URL this stand-in is served at: queue URLs start with it */
  constructor(
    readonly region: string,
    readonly account: string,
    private readonly endpoint: string,
  ) {
    this.service = {
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      signingName: 'sqs',
      queryCompatible: true,
      errorNamespace: 'com.amazonaws.sqs',
      onCall: (operation) => this.recorded.push(operation),
      operations: {
        CreateQueue: (input) => {
          const request = read(input);
          return { QueueUrl: this.createQueue(request.string('QueueName'), request.optionalStringMap('Attributes')) };
        },
        GetQueueUrl: (input) => this.getQueueUrl(input),
        ListQueues: (input) => {
          const prefix = read(input).optionalString('QueueNamePrefix') ?? '';
          return { QueueUrls: [...this.queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url) };
        },
        DeleteQueue: (input) => {
          this.queues.delete(this.queueOf(read(input).string('QueueUrl')).name);
        },
        PurgeQueue: (input) => {
          this.queueOf(read(input).string('QueueUrl')).messages = [];
        },
        SendMessage: (input) => {
          const request = read(input);
          return this.send(this.queueOf(request.string('QueueUrl')), input);
        },
        SendMessageBatch: (input) => this.sendBatch(input),
        ReceiveMessage: (input) => this.receive(input),
        DeleteMessage: (input) => {
          const request = read(input);
          this.deleteMessage(this.queueOf(request.string('QueueUrl')), request.string('ReceiptHandle'));
        },
        DeleteMessageBatch: (input) => this.deleteBatch(input),
        ChangeMessageVisibility: (input) => this.changeVisibility(input),
        GetQueueAttributes: (input) => this.getQueueAttributes(input),
      },
    };
  }

  /** Operation names of every request so far, in order. */
  get calls(): readonly string[] {
    return this.recorded;
  }

  /** Creates a standard queue (or finds the one of that name with the same attributes) and returns its URL. */
  createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): string {
    if (name.endsWith('.fifo') || attributes.FifoQueue !== undefined)
      throw sqsError('UnsupportedOperation', 'FIFO queues are not served by the local SQS', {
        queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
      });
    if (!QUEUE_NAME.test(name))
      throw invalidValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    for (const [attribute, value] of Object.entries(attributes)) checkAttribute(attribute, value);
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      for (const [attribute, value] of Object.entries(attributes)) {
        if (existing.attributes[attribute] !== value)
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${attribute}`,
            { queryCode: 'QueueAlreadyExists' },
          );
      }
      return existing.url;
    }
    const now = Date.now();
    const queue: Queue = {
      name,
      url: `${this.endpoint}/${this.account}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${this.account}:${name}`,
      attributes: { ...DEFAULT_ATTRIBUTES, ...attributes },
      created: now,
      modified: now,
      messages: [],
    };
    this.queues.set(name, queue);
    return queue.url;
  }

  /** The URL of a queue by name; throws QueueDoesNotExist. */
  queueUrlOf(name: string): string {
    const queue = this.queues.get(name);
    if (queue === undefined) throw queueMissing();
    return queue.url;
  }

  /** The ARN of a queue by name or URL; throws QueueDoesNotExist. */
  queueArnOf(nameOrUrl: string): string {
    return (this.queues.get(nameOrUrl) ?? this.queueOf(nameOrUrl)).arn;
  }

  /** The messages in a queue (by URL), visible or not, in arrival order, without receiving them. */
  messages(queueUrl: string): readonly SqsQueuedMessage[] {
    return this.queueOf(queueUrl).messages.map((m) => ({
      messageId: m.id,
      body: m.body,
      messageAttributes: m.attributes,
      receiveCount: m.receiveCount,
    }));
  }

  /** Puts a message in the queue of that ARN (SNS fan-out); false when there is no such queue. */
  deliver(queueArn: string, body: string, attributes: Readonly<Record<string, SqsMessageAttribute>> = {}): boolean {
    const queue = [...this.queues.values()].find((q) => q.arn === queueArn);
    if (queue === undefined) return false;
    this.enqueue(queue, body, attributes, Number(queue.attributes.DelaySeconds));
    return true;
  }

  /** Ends every long poll now (the server is closing). */
  close(): void {
    this.closed = true;
  }

  /** The queue a queue URL names: `<any origin>/<account>/<name>`, as SQS routes it. */
  private queueOf(queueUrl: string): Queue {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw sqsError('InvalidAddress', `The address ${queueUrl} is not valid for this endpoint.`, { status: 404 });
    }
    const [account, name, ...rest] = path.split('/').filter((s) => s.length > 0);
    const queue = name === undefined ? undefined : this.queues.get(name);
    if (account !== this.account || queue === undefined || rest.length > 0) throw queueMissing();
    return queue;
  }

  private getQueueUrl(input: AwsJsonInput): unknown {
    const request = read(input);
    const owner = request.optionalString('QueueOwnerAWSAccountId');
    if (owner !== undefined && owner !== this.account) throw queueMissing();
    return { QueueUrl: this.queueUrlOf(request.string('QueueName')) };
  }

  private send(queue: Queue, input: AwsJsonInput): Record<string, string> {
    const request = read(input);
    const body = request.string('MessageBody');
    const delay = request.optionalInteger('DelaySeconds', 0, 900) ?? Number(queue.attributes.DelaySeconds);
    if (request.optionalString('MessageDeduplicationId') !== undefined)
      throw invalidValue('The request include parameter that is not valid for this queue type');
    const attributes = messageAttributesOf(request.optionalObject('MessageAttributes'));
    checkBody(queue, body, attributes);
    const message = this.enqueue(queue, body, attributes, delay);
    const md5OfAttributes = md5OfMessageAttributes(attributes);
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5OfBody,
      ...(md5OfAttributes === undefined ? {} : { MD5OfMessageAttributes: md5OfAttributes }),
    };
  }

  private sendBatch(input: AwsJsonInput): unknown {
    const request = read(input);
    const queue = this.queueOf(request.string('QueueUrl'));
    const entries = batchEntries(request.optionalArray('Entries'));
    const totalBytes = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
    if (totalBytes > Number(queue.attributes.MaximumMessageSize))
      throw sqsError('BatchRequestTooLong', 'Batch requests cannot be longer than the maximum message size.', {
        queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong',
      });
    const successful: unknown[] = [];
    const failed: unknown[] = [];
    for (const entry of entries) {
      try {
        successful.push({ Id: entry.Id, ...this.send(queue, entry) });
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private enqueue(
    queue: Queue,
    body: string,
    attributes: Readonly<Record<string, SqsMessageAttribute>>,
    delaySeconds: number,
  ): Message {
    const now = Date.now();
    const message: Message = {
      id: randomUUID(),
      body,
      md5OfBody: md5(body),
      attributes,
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    queue.messages.push(message);
    return message;
  }

  private async receive(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const queue = this.queueOf(request.string('QueueUrl'));
    const max = request.optionalInteger('MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility =
      request.optionalInteger('VisibilityTimeout', 0, 43_200) ?? Number(queue.attributes.VisibilityTimeout);
    const waitSeconds =
      request.optionalInteger('WaitTimeSeconds', 0, 20) ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    const systemNames = [
      ...stringList(request.optionalArray('MessageSystemAttributeNames')),
      ...stringList(request.optionalArray('AttributeNames')),
    ];
    const attributeNames = stringList(request.optionalArray('MessageAttributeNames'));
    const deadline = Date.now() + waitSeconds * 1000;
    let picked = this.pick(queue, max, visibility);
    while (picked.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      if (!this.queues.has(queue.name)) break;
      picked = this.pick(queue, max, visibility);
    }
    if (picked.length === 0) return {};
    return {
      Messages: picked.map((m) => {
        const attributes = selectAttributes(m.attributes, attributeNames);
        const md5OfAttributes = md5OfMessageAttributes(attributes);
        const system = systemAttributesOf(m, systemNames, this.account);
        return {
          MessageId: m.id,
          ReceiptHandle: m.handle,
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          ...(Object.keys(system).length === 0 ? {} : { Attributes: system }),
          ...(md5OfAttributes === undefined
            ? {}
            : { MD5OfMessageAttributes: md5OfAttributes, MessageAttributes: attributes }),
        };
      }),
    };
  }

  /** Takes up to `max` visible messages: each is received once more and hidden for `visibility` seconds. */
  private pick(queue: Queue, max: number, visibility: number): Message[] {
    const now = Date.now();
    this.sweep(queue, now);
    const picked: Message[] = [];
    for (const message of queue.messages) {
      if (picked.length >= max) break;
      if (message.visibleAt > now) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibility * 1000;
      message.handle = `${randomBytes(24).toString('base64url')}.${message.id}`;
      this.handles.set(message.handle, queue.name);
      picked.push(message);
    }
    return picked;
  }

  /** Drops messages past retention and moves those received maxReceiveCount times to the dead-letter queue. */
  private sweep(queue: Queue, now: number): void {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const redrive = redrivePolicyOf(queue.attributes.RedrivePolicy);
    const deadLetters =
      redrive === undefined ? undefined : [...this.queues.values()].find((q) => q.arn === redrive.deadLetterTargetArn);
    queue.messages = queue.messages.filter((message) => {
      if (now - message.sentAt > retentionMs) return false;
      if (deadLetters !== undefined && redrive !== undefined && message.visibleAt <= now) {
        if (message.receiveCount >= redrive.maxReceiveCount) {
          deadLetters.messages.push({ ...message, visibleAt: now, handle: undefined });
          return false;
        }
      }
      return true;
    });
  }

  private deleteMessage(queue: Queue, receiptHandle: string): void {
    const message = this.messageOf(queue, receiptHandle);
    if (message !== undefined) queue.messages.splice(queue.messages.indexOf(message), 1);
  }

  /**
   * The message a receipt handle of this queue names, or undefined when it is gone (deleted, moved):
   * SQS answers a deletion with a stale handle as a success. A handle it never issued is refused.
   */
  private messageOf(queue: Queue, receiptHandle: string): Message | undefined {
    const messageId = /^[A-Za-z0-9_-]{32}\.([0-9a-f-]{36})$/.exec(receiptHandle)?.[1];
    if (messageId === undefined || this.handles.get(receiptHandle) !== queue.name)
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
        {
          status: 404,
        },
      );
    return queue.messages.find((m) => m.id === messageId);
  }

  private deleteBatch(input: AwsJsonInput): unknown {
    const request = read(input);
    const queue = this.queueOf(request.string('QueueUrl'));
    const successful: unknown[] = [];
    const failed: unknown[] = [];
    for (const entry of batchEntries(request.optionalArray('Entries'))) {
      try {
        this.deleteMessage(queue, String(entry.ReceiptHandle ?? ''));
        successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private changeVisibility(input: AwsJsonInput): unknown {
    const request = read(input);
    const queue = this.queueOf(request.string('QueueUrl'));
    const handle = request.string('ReceiptHandle');
    const timeout = request.optionalInteger('VisibilityTimeout', 0, 43_200);
    if (timeout === undefined) throw invalidValue("Value null at 'VisibilityTimeout' failed to satisfy constraint");
    const message = this.messageOf(queue, handle);
    const now = Date.now();
    if (message === undefined || message.handle !== handle || message.visibleAt <= now)
      throw sqsError('MessageNotInflight', 'The message referred to is not in flight.', {
        queryCode: 'AWS.SimpleQueueService.MessageNotInflight',
      });
    message.visibleAt = now + timeout * 1000;
    return {};
  }

  private getQueueAttributes(input: AwsJsonInput): unknown {
    const request = read(input);
    const queue = this.queueOf(request.string('QueueUrl'));
    const names = stringList(request.optionalArray('AttributeNames'));
    const now = Date.now();
    this.sweep(queue, now);
    const all: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(
        queue.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
      ),
      ApproximateNumberOfMessagesDelayed: String(
        queue.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
      ),
      CreatedTimestamp: String(Math.floor(queue.created / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modified / 1000)),
      QueueArn: queue.arn,
    };
    if (names.includes('All')) return { Attributes: all };
    const known = new Set([
      ...Object.keys(DEFAULT_ATTRIBUTES),
      ...READ_ONLY_ATTRIBUTES,
      ...Object.keys(INTEGER_ATTRIBUTES),
      ...OTHER_ATTRIBUTES,
    ]);
    const selected: Record<string, string> = {};
    for (const name of names) {
      if (!known.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      const value = all[name];
      if (value !== undefined) selected[name] = value;
    }
    return names.length === 0 ? {} : { Attributes: selected };
  }
}

function checkAttribute(name: string, value: string): void {
  if (FIFO_ATTRIBUTES.has(name))
    throw sqsError('UnsupportedOperation', 'FIFO queues are not served by the local SQS', {
      queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
    });
  const range = Object.hasOwn(INTEGER_ATTRIBUTES, name) ? INTEGER_ATTRIBUTES[name] : undefined;
  if (range !== undefined) {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < range[0] || number > range[1])
      throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    return;
  }
  if (!OTHER_ATTRIBUTES.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  if (name === 'RedrivePolicy' && redrivePolicyOf(value) === undefined)
    throw sqsError(
      'InvalidAttributeValue',
      'Value for parameter RedrivePolicy is invalid. Reason: it needs deadLetterTargetArn and maxReceiveCount.',
    );
  if (name === 'SqsManagedSseEnabled' && value !== 'true' && value !== 'false')
    throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
}

function redrivePolicyOf(
  json: string | undefined,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (json === undefined) return undefined;
  try {
    const policy = JSON.parse(json) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const count = Number(policy.maxReceiveCount);
    if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000)
      return undefined;
    return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: count };
  } catch {
    return undefined;
  }
}

function checkBody(queue: Queue, body: string, attributes: Readonly<Record<string, SqsMessageAttribute>>): void {
  if (body.length === 0) throw invalidValue('The request must contain the parameter MessageBody.');
  if (INVALID_CHARACTER.test(body))
    throw sqsError('InvalidMessageContents', 'Invalid binary character in the message body.');
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, a]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType) +
      (a.StringValue === undefined
        ? Buffer.from(a.BinaryValue ?? '', 'base64').length
        : Buffer.byteLength(a.StringValue)),
    0,
  );
  const limit = Number(queue.attributes.MaximumMessageSize);
  if (Buffer.byteLength(body) + attributeBytes > limit)
    throw invalidValue(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
}

function messageAttributesOf(
  value: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, SqsMessageAttribute>> {
  if (value === undefined) return {};
  const entries = Object.entries(value);
  if (entries.length > 10)
    throw invalidValue('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
  const attributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, raw] of entries) {
    const a = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const dataType = a.DataType;
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || name.startsWith('AWS.') || name.startsWith('Amazon.'))
      throw invalidValue(`Message attribute name '${name}' is not valid.`);
    if (typeof dataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(dataType))
      throw invalidValue(`The type of message attribute '${name}' is invalid.`);
    if (dataType.startsWith('Binary')) {
      if (typeof a.BinaryValue !== 'string' || a.BinaryValue.length === 0)
        throw invalidValue(
          `Message attribute '${name}' must contain a non-empty value of message attribute type '${dataType}'.`,
        );
      attributes[name] = { DataType: dataType, BinaryValue: a.BinaryValue };
      continue;
    }
    if (typeof a.StringValue !== 'string' || a.StringValue.length === 0)
      throw invalidValue(
        `Message attribute '${name}' must contain a non-empty value of message attribute type '${dataType}'.`,
      );
    if (INVALID_CHARACTER.test(a.StringValue))
      throw sqsError('InvalidMessageContents', `Invalid character in the value of message attribute '${name}'.`);
    if (dataType.startsWith('Number') && !Number.isFinite(Number(a.StringValue)))
      throw invalidValue(`Can't cast the value of message attribute '${name}' to a number.`);
    attributes[name] = { DataType: dataType, StringValue: a.StringValue };
  }
  return attributes;
}

/**
 * The MD5 SQS computes over message attributes: for each attribute by name, its name, type, a
 * transport byte (1 string, 2 binary) and value, each length-prefixed (4 bytes, big-endian).
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, SqsMessageAttribute>>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const field = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const a = attributes[name] as SqsMessageAttribute;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(a.DataType, 'utf8'));
    if (a.StringValue !== undefined) {
      parts.push(Buffer.of(1));
      field(Buffer.from(a.StringValue, 'utf8'));
    } else {
      parts.push(Buffer.of(2));
      field(Buffer.from(a.BinaryValue ?? '', 'base64'));
    }
  }
  return md5(Buffer.concat(parts));
}

function selectAttributes(
  attributes: Readonly<Record<string, SqsMessageAttribute>>,
  names: readonly string[],
): Record<string, SqsMessageAttribute> {
  const wanted = (name: string): boolean =>
    names.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

function systemAttributesOf(message: Message, names: readonly string[], account: string): Record<string, string> {
  const all: Record<string, string> = {
    SenderId: account,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
  };
  const wanted = names.includes('All') ? SYSTEM_ATTRIBUTES : names.filter((n) => SYSTEM_ATTRIBUTES.includes(n));
  return Object.fromEntries(wanted.map((name) => [name, all[name] as string]));
}

function stringList(values: readonly unknown[] | undefined): string[] {
  return (values ?? []).map((v) => {
    if (typeof v !== 'string') throw invalidValue('Attribute names must be strings');
    return v;
  });
}

/** The entries of a batch request, checked as SQS checks them. */
function batchEntries(entries: readonly unknown[] | undefined): AwsJsonInput[] {
  if (entries === undefined || entries.length === 0)
    throw sqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.', {
      queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest',
    });
  if (entries.length > 10)
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      {
        queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      },
    );
  const checked = entries.map((entry) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as AwsJsonInput;
    if (typeof e.Id !== 'string' || !BATCH_ENTRY_ID.test(e.Id))
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        {
          queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId',
        },
      );
    return e;
  });
  if (new Set(checked.map((e) => e.Id)).size !== checked.length)
    throw sqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.', {
      queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    });
  return checked;
}
