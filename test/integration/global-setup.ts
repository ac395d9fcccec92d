import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

declare global {
  var strongroomDynamoDbLocal: DynamoDbLocal | undefined;
}

/** Starts one DynamoDB Local for the integration tests; each test file creates its own tables. */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  const dynamo = await startDynamoDbLocal();
  globalThis.strongroomDynamoDbLocal = dynamo;
  process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  console.log(`\nDynamoDB Local on ${dynamo.endpoint} (ready in ${Date.now() - started} ms)`);
}
