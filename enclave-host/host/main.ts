/**
 * The signing host's entry point on the EC2 parent (strongroom-signing-host.service): reads its
 * configuration from the environment, reaches the enclave through the socat bridge, records claims and
 * answers in the shared job ledger (DynamoDB, through the VPC's gateway endpoint), polls the signing
 * queue and serves /health on loopback. SIGTERM (systemctl stop) ends the long poll and lets jobs in
 * flight finish before the process exits.
 *
 * Not run in this repository's tests: they drive `createSigningHost` directly. Built for the instance
 * with esbuild (see enclave-host/deploy/README.md).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { lambdaCoSignerClient } from '../../lambdas/adapters/co-signer/lambda-co-signer';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { parseEnclaveAddress, SocketEnclaveClient } from '../protocol/socket-enclave-client';
import { DynamoJobLedger } from './dynamo-job-ledger';
import { startHealthServer } from './health-server';
import { readHostConfig } from './host-config';
import { systemClock } from './host-clock';
import { instanceIdFromImds } from './instance-id';
import { instanceRoleCredentials } from './instance-role-credentials';
import { createSigningHost } from './signing-host';

async function main(): Promise<void> {
  const config = readHostConfig(process.env);
  const logger = new Logger({ serviceName: 'strongroom-signing-host' });
  const hostId = config.hostId ?? (await instanceIdFromImds());
  const enclave = new SocketEnclaveClient(parseEnclaveAddress(config.enclaveAddress));
  const host = createSigningHost({
    sqs: new SQSClient({ region: config.region }),
    sfn: new SFNClient({ region: config.region }),
    queueUrl: config.queueUrl,
    enclave,
    ledger: new DynamoJobLedger({
      client: documentClient(new DynamoDBClient({ region: config.region })),
      table: config.signingJobsTable,
    }),
    hostId,
    credentials: instanceRoleCredentials(),
    clock: systemClock,
    logger,
    heartbeatSeconds: config.heartbeatSeconds,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    // mpc jobs: the co-signer releases share 2 to the enclave session (Lambda, through the VPC's endpoint).
    ...(config.coSignerFunction === undefined
      ? {}
      : { coSigner: lambdaCoSignerClient(config.coSignerFunction, () => new LambdaClient({ region: config.region })) }),
  });
  const health = await startHealthServer({ port: config.healthPort, host: '127.0.0.1', check: () => host.health() });
  host.start();
  logger.info('signing host started', {
    queueUrl: config.queueUrl,
    signingJobsTable: config.signingJobsTable,
    coSignerFunction: config.coSignerFunction ?? 'none: mpc jobs are refused',
    hostId,
    healthPort: health.port,
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('signing host stopping: finishing jobs in flight', { signal });
    void (async () => {
      await host.stop();
      await health.close();
      await enclave.close();
      logger.info('signing host stopped');
    })();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // A configuration error names the variable; nothing secret is in the environment the host reads.
  console.error(error instanceof Error ? error.message : 'the signing host failed to start');
  process.exit(1);
});
