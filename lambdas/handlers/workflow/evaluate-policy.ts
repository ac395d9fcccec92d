import { evaluateTransferPolicy } from '../../use-cases/transfers/evaluate-transfer-policy';
import { workflowTask } from './workflow-task';

/** EvaluatePolicy: ALLOW, REQUIRE_APPROVAL or BLOCK, with escalations applied to the wallet. */
export const handler = workflowTask('EvaluatePolicy', (deps, { transferId, fields }) =>
  evaluateTransferPolicy(deps, { transferId, stream: fields.stream }),
);
