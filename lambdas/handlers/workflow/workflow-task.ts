import { Logger } from '@aws-lambda-powertools/logger';
import { StrongroomError } from '../../domain/errors';
import { checkString, expectObject, ID_RULE, type UncheckedObject } from '../../domain/validation';
import { dependencies, type Dependencies } from '../../composition/dependencies';

const logger = new Logger({ serviceName: 'strongroom-workflow' });

/** A task's input as the state machine sends it: always a transfer id, and the task's own fields. */
export interface TaskInput {
  readonly transferId: string;
  readonly fields: UncheckedObject;
}

/**
 * A workflow task handler: the Lambda-shaped function the state machine invokes (the same module
 * runs locally under the ASL runner). It checks the input, gets the dependencies built once per cold
 * start, calls one use case and returns its JSON result. Errors keep their class name, which is what
 * the state machine's Retry and Catch match; the input is never logged (it can hold a task token).
 */
export function workflowTask<T>(
  task: string,
  run: (deps: Dependencies, input: TaskInput) => Promise<T>,
): (event: unknown) => Promise<T> {
  return async (event: unknown): Promise<T> => {
    const fields = expectObject(event, 'input');
    const transferId = checkString(fields.transferId, 'transferId', ID_RULE);
    const started = Date.now();
    try {
      const result = await run(await dependencies(), { transferId, fields });
      logger.info('task done', { task, transferId, ms: Date.now() - started });
      return result;
    } catch (error) {
      const details =
        error instanceof StrongroomError
          ? { code: error.code, name: error.name, message: error.message }
          : { name: (error as Error).name };
      logger.warn('task failed', { task, transferId, ms: Date.now() - started, ...details });
      throw error;
    }
  };
}
