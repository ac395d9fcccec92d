import { startAnvil, type Anvil } from '../../local/anvil';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

declare global {
  var strongroomDynamoDbLocal: DynamoDbLocal | undefined;
  var strongroomAnvil: Anvil | undefined;
}

/**
 * Starts one DynamoDB Local and one anvil for the integration tests, side by side. Each test file
 * creates its own tables; the rules for sharing the anvil are in test/support/anvil.ts.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  const [dynamo, anvil] = await Promise.allSettled([timed(startDynamoDbLocal()), timed(startAnvil())]);
  if (dynamo.status === 'rejected' || anvil.status === 'rejected') {
    // Do not leave the one that started running: teardown is not called when setup fails.
    await Promise.all(
      [dynamo, anvil].map((result) => (result.status === 'fulfilled' ? result.value.service.stop() : undefined)),
    );
    const failures = [dynamo, anvil].flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, 'DynamoDB Local and anvil both failed to start');
  }

  globalThis.strongroomDynamoDbLocal = dynamo.value.service;
  process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT = dynamo.value.service.endpoint;
  globalThis.strongroomAnvil = anvil.value.service;
  process.env.STRONGROOM_TEST_ANVIL_RPC_URL = anvil.value.service.rpcUrl;
  process.env.STRONGROOM_TEST_ANVIL_CHAIN_ID = String(anvil.value.service.chainId);
  console.log(
    `\nDynamoDB Local on ${dynamo.value.service.endpoint} (ready in ${dynamo.value.ms} ms), ` +
      `anvil on ${anvil.value.service.rpcUrl} (ready in ${anvil.value.ms} ms); both in ${Date.now() - started} ms`,
  );
}

async function timed<T>(starting: Promise<T>): Promise<{ service: T; ms: number }> {
  const started = Date.now();
  const service = await starting;
  return { service, ms: Date.now() - started };
}
