/**
 * The signing host's entry point on the EC2 parent (strongroom-signing-host.service): reads its
 * configuration from the environment, reaches the enclave through the socat bridge, polls the signing
 * queue and serves /health on loopback. SIGTERM (systemctl stop) ends the long poll and lets jobs in
 * flight finish before the process exits.
 *
 * Not run in this repository's tests: they drive `createSigningHost` directly. Built for the instance
 * with esbuild (see enclave-host/deploy/README.md).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseEnclaveAddress, SocketEnclaveClient } from '../protocol/socket-enclave-client';
import { fileJobResultStore } from './file-job-result-store';
import { startHealthServer } from './health-server';
import { readHostConfig } from './host-config';
import { systemClock } from './host-clock';
import { instanceRoleCredentials } from './instance-role-credentials';
import { createSigningHost } from './signing-host';

async function main(): Promise<void> {
  const config = readHostConfig(process.env);
  const logger = new Logger({ serviceName: 'strongroom-signing-host' });
  const enclave = new SocketEnclaveClient(parseEnclaveAddress(config.enclaveAddress));
  const host = createSigningHost({
    sqs: new SQSClient({ region: config.region }),
    sfn: new SFNClient({ region: config.region }),
    queueUrl: config.queueUrl,
    enclave,
    results: fileJobResultStore(config.resultsDir),
    credentials: instanceRoleCredentials(),
    clock: systemClock,
    logger,
    heartbeatSeconds: config.heartbeatSeconds,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
  });
  const health = await startHealthServer({ port: config.healthPort, host: '127.0.0.1', check: () => host.health() });
  host.start();
  logger.info('signing host started', { queueUrl: config.queueUrl, healthPort: health.port });

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
