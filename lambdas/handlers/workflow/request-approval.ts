import { checkString } from '../../domain/validation';
import { requestApproval } from '../../use-cases/transfers/request-approval';
import { workflowTask } from './workflow-task';

/** RequestApproval (waitForTaskToken): the token is sealed server-side; approvers are notified. */
export const handler = workflowTask('RequestApproval', (deps, { transferId, fields }) =>
  requestApproval(deps, { transferId, taskToken: checkString(fields.taskToken, 'taskToken', { maxLength: 4096 }) }),
);
