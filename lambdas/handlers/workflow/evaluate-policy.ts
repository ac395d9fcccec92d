import { evaluateTransferPolicy } from '../../use-cases/transfers/evaluate-transfer-policy';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** EvaluatePolicy: ALLOW, REQUIRE_APPROVAL or BLOCK, with escalations applied to the wallet. */
export const evaluatePolicyFunction = workflowTask(
  'EvaluatePolicy',
  FUNCTIONS.evaluatePolicy,
  (deps, { transferId, fields }) => evaluateTransferPolicy(deps, { transferId, stream: fields.stream }),
);

export const { handler } = evaluatePolicyFunction;
