import { checkString } from '../../domain/validation';
import { requestApproval } from '../../use-cases/transfers/request-approval';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** RequestApproval (waitForTaskToken): the token is sealed server-side; approvers are notified. */
export const requestApprovalFunction = workflowTask(
  'RequestApproval',
  FUNCTIONS.requestApproval,
  (deps, { transferId, fields }) =>
    requestApproval(deps, { transferId, taskToken: checkString(fields.taskToken, 'taskToken', { maxLength: 4096 }) }),
);

export const { handler } = requestApprovalFunction;
