import { SQSClient } from '@aws-sdk/client-sqs';
import { awsJsonHandler } from './aws-json-protocol';
import { listenOnLoopback, type LoopbackServer } from './loopback-server';
import { SqsStandIn } from './sqs-stand-in';

export interface RunningSqsStandIn {
  readonly standIn: SqsStandIn;
  readonly server: LoopbackServer;
  /** An SDK client of the stand-in (dummy credentials, one attempt: a stand-in that fails fails now). */
  readonly sqs: SQSClient;
  /** Ends long polls, destroys the client, frees the port. */
  close(): Promise<void>;
}

/**
 * The SQS stand-in alone on a loopback port, with an SDK client of it: what the local enclave host
 * and the tests of the signing path need (startAwsStandIns starts every service). The stand-in makes
 * its queue URLs from its own address, so it is built once its server listens.
 */
export async function startSqsStandIn(region: string, account = '000000000000'): Promise<RunningSqsStandIn> {
  const route: { handler?: ReturnType<typeof awsJsonHandler> } = {};
  const server = await listenOnLoopback((request, response) => route.handler?.(request, response));
  const standIn = new SqsStandIn(region, account, server.url);
  route.handler = awsJsonHandler(standIn.service);
  const sqs = new SQSClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: 'local-stand-in', secretAccessKey: 'local-stand-in' },
    maxAttempts: 1,
  });
  return {
    standIn,
    server,
    sqs,
    close: async () => {
      standIn.close();
      sqs.destroy();
      await server.close();
    },
  };
}
