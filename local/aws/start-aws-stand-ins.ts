/**
 * Starts the local stand-ins for KMS, Step Functions, SNS, SQS and Secrets Manager, each on its own
 * port of 127.0.0.1 speaking its service's wire protocol, so that unmodified AWS SDK v3 clients reach
 * them through the SDK's standard endpoint variables (`env`: AWS_ENDPOINT_URL_KMS, …_SFN, …_SNS, …_SQS,
 * …_SECRETS_MANAGER, with a region and dummy credentials). All share one region and account, which
 * every ARN they make carries. SNS subscriptions of protocol `sqs` deliver into the SQS stand-in.
 *
 * What each stand-in serves and leaves out is in its own file. None of them verifies a SigV4
 * signature or evaluates IAM: they are for tests and local runs on a loopback address, never a network.
 */
import type { RequestListener } from 'node:http';
import { awsJsonHandler } from './aws-json-protocol';
import { awsQueryHandler } from './aws-query-protocol';
import { KmsStandIn } from './kms-stand-in';
import { listenOnLoopback, type LoopbackServer } from './loopback-server';
import { SecretsManagerStandIn } from './secrets-manager-stand-in';
import { SnsStandIn } from './sns-stand-in';
import { SqsStandIn } from './sqs-stand-in';
import { StepFunctionsStandIn } from './step-functions-stand-in';

export interface AwsStandInsOptions {
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Default `000000000000` (as the local workflow runner's ARNs). */
  readonly account?: string;
}

export interface AwsStandInEndpoints {
  readonly kms: string;
  readonly sfn: string;
  readonly sns: string;
  readonly sqs: string;
  readonly secretsManager: string;
}

export interface AwsStandIns {
  readonly region: string;
  readonly account: string;
  /** Each service's URL (`http://127.0.0.1:<port>`), for a client's `endpoint`. */
  readonly endpoints: AwsStandInEndpoints;
  /**
   * The SDK's endpoint variables for every stand-in, `AWS_REGION`, and dummy `AWS_ACCESS_KEY_ID` /
   * `AWS_SECRET_ACCESS_KEY`: merged into a process's environment, its clients reach the stand-ins.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly kms: KmsStandIn;
  readonly sfn: StepFunctionsStandIn;
  readonly sns: SnsStandIn;
  readonly sqs: SqsStandIn;
  readonly secrets: SecretsManagerStandIn;
  /** Stops running executions, ends long polls, closes every server; resolves when the ports are free. */
  stop(): Promise<void>;
}

export async function startAwsStandIns(options: AwsStandInsOptions = {}): Promise<AwsStandIns> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new RangeError(`${region} is not a region`);
  if (!/^\d{12}$/.test(account)) throw new RangeError('account must be 12 digits');

  const kms = new KmsStandIn(region, account);
  const sfn = new StepFunctionsStandIn(region, account);
  const secrets = new SecretsManagerStandIn(region, account);
  // SQS makes queue URLs from its own address, so it is built once its server listens.
  const sqsRoute: { listener?: RequestListener } = {};
  const started = await Promise.allSettled([
    listenOnLoopback(awsJsonHandler(kms.service)),
    listenOnLoopback(awsJsonHandler(sfn.service)),
    listenOnLoopback((request, response) => sqsRoute.listener?.(request, response)),
    listenOnLoopback(awsJsonHandler(secrets.service)),
  ]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((s) => s.close()));
    throw failed.reason;
  }
  const [kmsServer, sfnServer, sqsServer, secretsServer] = servers as [
    LoopbackServer,
    LoopbackServer,
    LoopbackServer,
    LoopbackServer,
  ];
  const sqs = new SqsStandIn(region, account, sqsServer.url);
  sqsRoute.listener = awsJsonHandler(sqs.service);
  const sns = new SnsStandIn(region, account, (queueArn, body, attributes) => sqs.deliver(queueArn, body, attributes));
  let snsServer: LoopbackServer;
  try {
    snsServer = await listenOnLoopback(awsQueryHandler(sns.service));
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
  servers.push(snsServer);

  const endpoints: AwsStandInEndpoints = {
    kms: kmsServer.url,
    sfn: sfnServer.url,
    sns: snsServer.url,
    sqs: sqsServer.url,
    secretsManager: secretsServer.url,
  };
  let stopping: Promise<void> | undefined;
  return {
    region,
    account,
    endpoints,
    env: {
      AWS_ENDPOINT_URL_KMS: endpoints.kms,
      AWS_ENDPOINT_URL_SFN: endpoints.sfn,
      AWS_ENDPOINT_URL_SNS: endpoints.sns,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local-stand-in',
      AWS_SECRET_ACCESS_KEY: 'local-stand-in',
    },
    kms,
    sfn,
    sns,
    sqs,
    secrets,
    stop: () => {
      stopping ??= (async () => {
        sqs.close();
        await sfn.shutdown();
        await Promise.all(servers.map((s) => s.close()));
      })();
      return stopping;
    },
  };
}
