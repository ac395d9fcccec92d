import { trackConfirmations } from '../../use-cases/transfers/track-confirmations';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** TrackConfirmations: one check of the nonce; the state machine waits and loops. */
export const trackConfirmationsFunction = workflowTask(
  'TrackConfirmations',
  FUNCTIONS.trackConfirmations,
  (deps, { transferId, fields }) => trackConfirmations(deps, { transferId, stream: fields.stream }),
);

export const { handler } = trackConfirmationsFunction;
