import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Hex } from 'viem';
import { DynamoJobLedger } from '../../enclave-host/host/dynamo-job-ledger';
import { systemClock } from '../../enclave-host/host/host-clock';
import { createSigningHost, type SigningHost } from '../../enclave-host/host/signing-host';
import { SocketEnclaveClient } from '../../enclave-host/protocol/socket-enclave-client';
import { lambdaCoSignerClient } from '../../lambdas/adapters/co-signer/lambda-co-signer';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { ENV } from '../../lambdas/composition/function-manifest';
import type { AwsStandIns } from '../aws/start-aws-stand-ins';
import { localDynamoDbClient } from '../dynamodb-local';
import { hostLogger, startLocalEnclave, type LocalEnclave } from '../enclave/local-enclave';
import type { DeployedStack } from './cloudformation';
import type { DeployedFunction } from './lambda-processes';
import type { RehearsalEnclave } from './rehearsal';

export interface RehearsalEnclaveOptions {
  /** Where the enclave's bundle, NSM file, socket and test root go. */
  readonly dir: string;
  readonly dynamoDbEndpoint: string;
  readonly log?: (line: string) => void;
}

/** The enclave host stack's name in the app (lib/strongroom-app.ts): what the rehearsal stands in for. */
export const ENCLAVE_HOST_STACK = 'StrongroomEnclaveHost';

/**
 * The enclave host of a deployment, on this machine, for the rehearsal: the enclave program as the
 * local runtime runs it (local/enclave/local-enclave.ts: one bundle built with the deployment's values,
 * the synthetic NSM with the local image's PCRs, the sealing key under the PCR policy in its KMS
 * stand-in), and the real signing host (enclave-host/host/) taking jobs from the template's signing
 * queue on the SQS stand-in, claiming them in the template's `signingJobs` table on DynamoDB Local and
 * calling back the Step Functions stand-in, as an EC2 host does with the regional services.
 *
 * The image's deployment id and approval key are the ones the deployed functions were given, read
 * from their resolved environment, as the image build reads them from the deployment. The host asks the
 * deployed co-signer function (its process) to release share 2 for an mpc job, over the Lambda Invoke
 * stand-in, as an EC2 host does over the VPC's Lambda endpoint.
 */
export async function startRehearsalEnclave(
  options: RehearsalEnclaveOptions,
  deployed: {
    readonly standIns: AwsStandIns;
    readonly stacks: readonly DeployedStack[];
    readonly functions: readonly DeployedFunction[];
    /** The Lambda Invoke stand-in, routed to the functions' processes: the co-signer is reached there. */
    readonly lambdaEndpoint: string;
  },
): Promise<RehearsalEnclave> {
  const log = options.log ?? (() => undefined);
  const { standIns } = deployed;
  const image = deployed.functions.find((fn) => fn.environment.STRONGROOM_APPROVAL_KEY_ADDRESS !== undefined);
  const deploymentId = image?.environment[ENV.deploymentId];
  const approvalKeyAddress = image?.environment[ENV.approvalKeyAddress];
  if (deploymentId === undefined || approvalKeyAddress === undefined)
    throw new Error('no deployed function names the deployment id and approval key the enclave image is built with');
  const queueUrl = physicalName(deployed.stacks, 'AWS::SQS::Queue', 'SigningQueueJobs');
  const signingJobs = physicalName(deployed.stacks, 'AWS::DynamoDB::Table', 'SigningJobs');
  const sdk = { region: standIns.region, credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' } };

  // The deployed co-signer function (lib/co-signer/), invoked as the EC2 host invokes it, through Lambda.
  const coSignerFunction = deployed.functions.filter((fn) => fn.logicalId.startsWith('CoSigner'));
  if (coSignerFunction.length !== 1)
    throw new Error(`the templates have ${coSignerFunction.length} co-signer functions (CoSigner*), not one`);
  const lambda = new LambdaClient({ ...sdk, endpoint: deployed.lambdaEndpoint });
  const coSigner = lambdaCoSignerClient((coSignerFunction[0] as DeployedFunction).arn, () => lambda);

  // One co-signer key, as in the cloud: the enclave (with a KMS stand-in of its own) encrypts share 2
  // under the template's key, which the deployed co-signer function decrypts in the rehearsal's stand-in.
  const coSignerKey = standIns.kms.exportSymmetricKey(physicalName(deployed.stacks, 'AWS::KMS::Key', 'CoSignerKey'));

  let local: LocalEnclave;
  try {
    local = await startLocalEnclave({
      dir: options.dir,
      deploymentId,
      approvalKeyAddress: approvalKeyAddress as Hex,
      log,
      coSigner,
      coSignerKey,
    });
  } catch (error) {
    lambda.destroy();
    throw error;
  }
  const clients: { sqs?: SQSClient; sfn?: SFNClient; enclave?: SocketEnclaveClient } = {};
  let host: SigningHost | undefined;
  const dynamo = localDynamoDbClient(options.dynamoDbEndpoint);
  const stop = async (): Promise<void> => {
    await host?.stop();
    clients.enclave?.close();
    clients.sqs?.destroy();
    clients.sfn?.destroy();
    lambda.destroy();
    dynamo.destroy();
    await local.stop();
  };
  try {
    await local.ready();
    // The synthetic NSM writes its root beside its socket at start (local-enclave.ts, startProgram).
    const attestationRootPem = readFileSync(join(options.dir, 'nsm-root.pem'), 'utf8');
    clients.sqs = new SQSClient({ ...sdk, endpoint: standIns.endpoints.sqs });
    clients.sfn = new SFNClient({ ...sdk, endpoint: standIns.endpoints.sfn });
    clients.enclave = new SocketEnclaveClient({ path: join(options.dir, 'enclave.sock') }, { timeoutMs: 30_000 });
    host = createSigningHost({
      sqs: clients.sqs,
      sfn: clients.sfn,
      queueUrl,
      enclave: clients.enclave,
      ledger: new DynamoJobLedger({ client: documentClient(dynamo), table: signingJobs }),
      hostId: 'rehearsal-enclave-host',
      // The instance role's credentials in the cloud; the KMS stand-in checks no signature.
      credentials: async () => ({ accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' }),
      clock: systemClock,
      logger: hostLogger(log),
      heartbeatSeconds: 20,
      visibilityTimeoutSeconds: 120,
      waitTimeSeconds: 1,
      retryDelayMs: 250,
      coSigner,
    });
    host.start();
    return { attestationRootPem, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The stand-in's name (queue URL, table name) of the one resource of `type` whose logical id starts with `prefix`. */
function physicalName(stacks: readonly DeployedStack[], type: string, prefix: string): string {
  const found = stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources)
      .filter(([id, resource]) => resource.Type === type && id.includes(prefix))
      .map(([id]) => stack.refs.get(id)),
  );
  if (found.length !== 1 || found[0] === undefined)
    throw new Error(`the templates have ${found.length} ${type} named ${prefix}*, not one`);
  return found[0];
}
