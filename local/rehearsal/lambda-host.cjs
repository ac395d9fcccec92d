// One Lambda function's execution environment for the deployment rehearsal: loads the function's
// bundled asset from cdk.out (its `handler` export, as Lambda's Node.js runtime does) in a process of its
// own, with only the environment the template gives it, and serves invocations sent over IPC one at a
// time. A module that fails to load is reported as the init failure Lambda would record, and the
// process exits.
//
// usage (forked): lambda-host.cjs <bundle directory> <handler export, e.g. index.handler>
'use strict';
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');

const [directory, handlerSpec] = process.argv.slice(2);
const [file, exportName] = handlerSpec.split('.');

let handler;
try {
  const loaded = require(join(directory, `${file}.js`));
  handler = loaded[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerSpec} is not a function in ${directory}`);
} catch (error) {
  process.send({ type: 'init-error', errorType: error.name, errorMessage: error.message });
  process.disconnect();
  process.exit(1);
}

const timeoutMs = Number(process.env.STRONGROOM_REHEARSAL_TIMEOUT_MS || '60000');
process.send({ type: 'ready' });

let queue = Promise.resolve();
process.on('message', (message) => {
  queue = queue.then(() => invoke(message));
});

async function invoke({ id, event }) {
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.STRONGROOM_REHEARSAL_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'rehearsal',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    // Lambda answers with the result serialized as JSON.
    process.send({ type: 'result', id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    const thrown = error instanceof Error ? error : new Error(String(error));
    process.send({ type: 'error', id, errorType: thrown.name, errorMessage: thrown.message });
  }
}
