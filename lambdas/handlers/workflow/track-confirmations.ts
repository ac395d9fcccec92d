import { trackConfirmations } from '../../use-cases/transfers/track-confirmations';
import { workflowTask } from './workflow-task';

/** TrackConfirmations: one check of the nonce; the state machine waits and loops. */
export const handler = workflowTask('TrackConfirmations', (deps, { transferId, fields }) =>
  trackConfirmations(deps, { transferId, stream: fields.stream }),
);
