/**
 * A local Amazon SNS (awsQuery, API 2010-03-31) for standard topics: CreateTopic, Publish (TopicArn,
 * Message, Subject, MessageAttributes, MessageStructure `json`), Subscribe (with the FilterPolicy of
 * sns-filter-policy.ts and RawMessageDelivery), Unsubscribe, ListSubscriptionsByTopic. Every publish is
 * recorded (`published`), and so is what each subscription receives (`deliveries`): the message
 * itself with raw delivery, else the JSON notification SNS sends. A subscription of protocol `sqs`
 * whose queue is the SQS stand-in's gets the message in that queue too.
 *
 * Subscriptions are confirmed at once (no confirmation message for http/https/email). Left out: FIFO
 * topics, SMS and mobile push (TargetArn, PhoneNumber), delivery to any endpoint other than the SQS
 * stand-in (Lambda, HTTP, e-mail are recorded, not called), message signatures (the `Signature` field
 * is a placeholder), delivery retries and policies, MessageBody-scope filter policies, topic
 * attributes and policies, data protection, IAM and SigV4 verification.
 */
import { randomUUID } from 'node:crypto';
import type { AwsQueryService } from './aws-query-protocol';
import { queryEntries } from './aws-query-protocol';
import { AwsServiceError } from './aws-service-error';
import {
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsFilterPolicy,
  type SnsMessageAttribute,
} from './sns-filter-policy';

export type { SnsMessageAttribute } from './sns-filter-policy';

/** One Publish the stand-in accepted. */
export interface SnsPublish {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly messageAttributes: Readonly<Record<string, SnsMessageAttribute>>;
  readonly at: Date;
}

/** What one subscription received of one publish. */
export interface SnsDelivery {
  readonly messageId: string;
  /** The message (raw delivery) or the JSON notification, as the endpoint receives it. */
  readonly body: string;
  /** With raw delivery, the attributes the endpoint receives beside the body; else none (they are in the body). */
  readonly messageAttributes: Readonly<Record<string, SnsMessageAttribute>>;
}

export interface SnsSubscription {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SubscribeOptions {
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** FilterPolicy, FilterPolicyScope, RawMessageDelivery, … as Subscribe's Attributes. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Hands a message to a queue (the SQS stand-in); false when no such queue exists. */
export type QueueDelivery = (
  queueArn: string,
  body: string,
  messageAttributes: Readonly<Record<string, SnsMessageAttribute>>,
) => boolean;

interface Subscription extends SnsSubscription {
  readonly policy?: SnsFilterPolicy;
  readonly raw: boolean;
  readonly received: SnsDelivery[];
}

const PROTOCOLS = new Set(['sqs', 'lambda', 'http', 'https', 'email', 'email-json', 'sms', 'application', 'firehose']);
const RAW_PROTOCOLS = new Set(['sqs', 'http', 'https', 'firehose']);
const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
const MESSAGE_LIMIT_BYTES = 256 * 1024;

const invalid = (message: string): AwsServiceError =>
  new AwsServiceError('InvalidParameter', `Invalid parameter: ${message}`);
const topicNotFound = (): AwsServiceError => new AwsServiceError('NotFound', 'Topic does not exist', { status: 404 });

/** The SNS stand-in's state and operations; serve `service` with the Query protocol layer. */
export class SnsStandIn {
  readonly service: AwsQueryService;
  private readonly recorded: string[] = [];
  private readonly topics = new Map<string, Subscription[]>();
  private readonly publishes: SnsPublish[] = [];

  constructor(
    readonly region: string,
    readonly account: string,
    private readonly deliverToQueue?: QueueDelivery,
  ) {
    this.service = {
      version: '2010-03-31',
      xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
      signingName: 'sns',
      onCall: (operation) => this.recorded.push(operation),
      operations: {
        CreateTopic: (params) => ({ TopicArn: this.createTopic(params.get('Name') ?? '', attributesOf(params)) }),
        Publish: (params) => ({ MessageId: this.publish(params) }),
        Subscribe: (params) => ({
          SubscriptionArn: this.subscribe({
            topicArn: params.get('TopicArn') ?? '',
            protocol: params.get('Protocol') ?? '',
            endpoint: params.get('Endpoint') ?? '',
            attributes: attributesOf(params),
          }),
        }),
        Unsubscribe: (params) => {
          this.unsubscribe(params.get('SubscriptionArn') ?? '');
          return undefined;
        },
        ListSubscriptionsByTopic: (params) => ({
          Subscriptions: this.subscriptionsOf(params.get('TopicArn') ?? '').map((s) => ({
            SubscriptionArn: s.subscriptionArn,
            Owner: this.account,
            Protocol: s.protocol,
            Endpoint: s.endpoint,
            TopicArn: s.topicArn,
          })),
        }),
      },
    };
  }

  /** Operation names of every request so far, in order. */
  get calls(): readonly string[] {
    return this.recorded;
  }

  /** Creates a standard topic (or finds the one of that name) and returns its ARN, as CreateTopic does. */
  createTopic(name: string, attributes: Readonly<Record<string, string>> = {}): string {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
      throw invalid(
        name.endsWith('.fifo') || attributes.FifoTopic === 'true'
          ? 'Topic Name: FIFO topics are not served by the local SNS'
          : 'Topic Name',
      );
    }
    const arn = `arn:aws:sns:${this.region}:${this.account}:${name}`;
    if (!this.topics.has(arn)) this.topics.set(arn, []);
    return arn;
  }

  /** Subscribes an endpoint (confirmed at once) and returns the subscription ARN, as Subscribe does. */
  subscribe(options: SubscribeOptions): string {
    const subscriptions = this.topics.get(options.topicArn);
    if (subscriptions === undefined) throw topicNotFound();
    if (!PROTOCOLS.has(options.protocol)) throw invalid('Protocol');
    if (options.endpoint.length === 0) throw invalid('Endpoint');
    if (options.protocol === 'sqs' && !/^arn:aws:sqs:[a-z0-9-]+:\d+:[A-Za-z0-9_-]+$/.test(options.endpoint))
      throw invalid('SQS endpoint ARN');
    const attributes = { ...(options.attributes ?? {}) };
    for (const name of Object.keys(attributes))
      if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalid(`Attributes Reason: Unknown attribute ${name}`);
    if (attributes.FilterPolicyScope !== undefined && attributes.FilterPolicyScope !== 'MessageAttributes')
      throw invalid('FilterPolicyScope: only MessageAttributes is served by the local SNS');
    let policy: SnsFilterPolicy | undefined;
    try {
      policy = attributes.FilterPolicy === undefined ? undefined : parseFilterPolicy(attributes.FilterPolicy);
    } catch (error) {
      if (error instanceof FilterPolicyError) throw invalid(error.message);
      throw error;
    }
    const rawValue = attributes.RawMessageDelivery ?? 'false';
    if (rawValue !== 'true' && rawValue !== 'false') throw invalid('RawMessageDelivery: must be true or false');
    const raw = rawValue === 'true';
    if (raw && !RAW_PROTOCOLS.has(options.protocol))
      throw invalid(`RawMessageDelivery: not available for protocol ${options.protocol}`);

    const same = subscriptions.find((s) => s.protocol === options.protocol && s.endpoint === options.endpoint);
    if (same !== undefined) {
      if (JSON.stringify(sorted(same.attributes)) !== JSON.stringify(sorted(attributes)))
        throw invalid('Attributes Reason: Subscription already exists with different attributes');
      return same.subscriptionArn;
    }
    const subscription: Subscription = {
      subscriptionArn: `${options.topicArn}:${randomUUID()}`,
      topicArn: options.topicArn,
      protocol: options.protocol,
      endpoint: options.endpoint,
      attributes,
      ...(policy === undefined ? {} : { policy }),
      raw,
      received: [],
    };
    subscriptions.push(subscription);
    return subscription.subscriptionArn;
  }

  /** Every publish accepted so far, in order; only those to `topicArn` when given. */
  published(topicArn?: string): readonly SnsPublish[] {
    return topicArn === undefined ? this.publishes : this.publishes.filter((p) => p.topicArn === topicArn);
  }

  /** What a subscription has received, in order; throws for an unknown subscription. */
  deliveries(subscriptionArn: string): readonly SnsDelivery[] {
    return this.subscription(subscriptionArn).received;
  }

  /** The subscriptions of a topic. */
  subscriptionsOf(topicArn: string): readonly SnsSubscription[] {
    const subscriptions = this.topics.get(topicArn);
    if (subscriptions === undefined) throw topicNotFound();
    return subscriptions;
  }

  private unsubscribe(subscriptionArn: string): void {
    const subscription = this.subscription(subscriptionArn);
    const list = this.topics.get(subscription.topicArn) ?? [];
    list.splice(list.indexOf(subscription), 1);
  }

  private subscription(subscriptionArn: string): Subscription {
    for (const subscriptions of this.topics.values()) {
      const found = subscriptions.find((s) => s.subscriptionArn === subscriptionArn);
      if (found !== undefined) return found;
    }
    throw new AwsServiceError('NotFound', 'Subscription does not exist', { status: 404 });
  }

  private publish(params: URLSearchParams): string {
    if (params.has('TargetArn') || params.has('PhoneNumber'))
      throw invalid('TargetArn and PhoneNumber are not served by the local SNS; publish to a TopicArn');
    const topicArn = params.get('TopicArn');
    if (topicArn === null || topicArn.length === 0)
      throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    const subscriptions = this.topics.get(topicArn);
    if (subscriptions === undefined) throw topicNotFound();
    if (params.has('MessageGroupId') || params.has('MessageDeduplicationId'))
      throw invalid(
        'MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type',
      );
    const message = params.get('Message') ?? '';
    if (message.length === 0) throw invalid('Empty message');
    const subject = params.get('Subject') ?? undefined;
    if (subject !== undefined && (subject.length === 0 || subject.length > 100 || /\p{Cc}/u.test(subject)))
      throw invalid('Subject');
    const messageStructure = params.get('MessageStructure') ?? undefined;
    let structured: Record<string, unknown> | undefined;
    if (messageStructure !== undefined) {
      if (messageStructure !== 'json') throw invalid('MessageStructure');
      try {
        structured = JSON.parse(message) as Record<string, unknown>;
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof structured?.default !== 'string')
        throw invalid('Message Structure - No default entry in JSON message body');
    }
    const messageAttributes = messageAttributesOf(params);
    const size =
      Buffer.byteLength(message) +
      Object.entries(messageAttributes).reduce(
        (sum, [name, a]) =>
          sum +
          Buffer.byteLength(name) +
          Buffer.byteLength(a.DataType) +
          Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? ''),
        0,
      );
    if (size > MESSAGE_LIMIT_BYTES) throw invalid('Message too long');

    const published: SnsPublish = {
      messageId: randomUUID(),
      topicArn,
      message,
      ...(subject === undefined ? {} : { subject }),
      ...(messageStructure === undefined ? {} : { messageStructure }),
      messageAttributes,
      at: new Date(),
    };
    this.publishes.push(published);
    for (const subscription of subscriptions) {
      if (subscription.policy !== undefined && !matchesFilterPolicy(subscription.policy, messageAttributes)) continue;
      const text = structured === undefined ? message : String(structured[subscription.protocol] ?? structured.default);
      const delivery = this.deliveryFor(subscription, published, text);
      subscription.received.push(delivery);
      if (subscription.protocol === 'sqs')
        this.deliverToQueue?.(subscription.endpoint, delivery.body, delivery.messageAttributes);
    }
    return published.messageId;
  }

  private deliveryFor(subscription: Subscription, published: SnsPublish, message: string): SnsDelivery {
    if (subscription.raw) {
      // SQS knows String, Number and Binary: a String.Array arrives as a String.
      const attributes = Object.fromEntries(
        Object.entries(published.messageAttributes).map(([name, a]) => [
          name,
          a.DataType.startsWith('String.Array') ? { ...a, DataType: 'String' } : a,
        ]),
      );
      return { messageId: published.messageId, body: message, messageAttributes: attributes };
    }
    const attributes = Object.entries(published.messageAttributes);
    const notification = {
      Type: 'Notification',
      MessageId: published.messageId,
      TopicArn: published.topicArn,
      ...(published.subject === undefined ? {} : { Subject: published.subject }),
      Message: message,
      Timestamp: published.at.toISOString(),
      SignatureVersion: '1',
      Signature: 'local-sns-stand-in-unsigned',
      SigningCertURL: 'https://sns.local.invalid/SimpleNotificationService.pem',
      UnsubscribeURL: `https://sns.local.invalid/?Action=Unsubscribe&SubscriptionArn=${subscription.subscriptionArn}`,
      ...(attributes.length === 0
        ? {}
        : {
            MessageAttributes: Object.fromEntries(
              attributes.map(([name, a]) => [name, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue }]),
            ),
          }),
    };
    return { messageId: published.messageId, body: JSON.stringify(notification), messageAttributes: {} };
  }
}

/** `Attributes.entry.N.key` / `.value` as a record. */
function attributesOf(params: URLSearchParams): Record<string, string> {
  return Object.fromEntries(queryEntries(params, 'Attributes').map((e) => [e.key ?? '', e.value ?? '']));
}

function messageAttributesOf(params: URLSearchParams): Record<string, SnsMessageAttribute> {
  const attributes: Record<string, SnsMessageAttribute> = {};
  for (const entry of queryEntries(params, 'MessageAttributes')) {
    const name = entry.Name ?? '';
    const dataType = entry['Value.DataType'];
    const fail = (reason: string): never => {
      throw new AwsServiceError('ParameterValueInvalid', `The message attribute '${name}' ${reason}`);
    };
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name)) fail('has an invalid name');
    if (dataType === undefined || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) fail('has an invalid type');
    const type = dataType as string;
    if (type.startsWith('Binary')) {
      const binary = entry['Value.BinaryValue'];
      if (binary === undefined || binary.length === 0) fail('must contain a non-empty binary value');
      attributes[name] = { DataType: type, BinaryValue: binary as string };
      continue;
    }
    const text = entry['Value.StringValue'];
    if (text === undefined || text.length === 0) fail('must contain non-empty message attribute value');
    if (type.startsWith('Number') && !Number.isFinite(Number(text))) fail('has an invalid numeric value');
    if (type.startsWith('String.Array')) {
      let items: unknown;
      try {
        items = JSON.parse(text as string);
      } catch {
        items = undefined;
      }
      if (!Array.isArray(items)) fail('must be a JSON array');
    }
    attributes[name] = { DataType: type, StringValue: text as string };
  }
  return attributes;
}

function sorted(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
