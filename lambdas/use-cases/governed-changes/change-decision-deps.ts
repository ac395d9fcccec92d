import type { DecideChangeDeps } from '../governance/decide-change';
import type { GovernanceDeps } from '../governance/governance-deps';
import { governedChangeApplier, type GovernedChangeDeps } from './apply-governed-change';
import { changeApprovalsRecheck, changePasskeyEvidence, type ChangePasskeyDeps } from './change-passkeys';

export type ChangeDeciderPorts = GovernedChangeDeps & ChangePasskeyDeps & Pick<GovernanceDeps, 'governance'>;

/**
 * What deciding a change needs, from a function's ports: the appliers of governed changes (a decision
 * that completes the quorum of a change whose time-lock is 0 applies it), the passkey verifier of
 * each decision, and the recheck of every counted approval before a change applies. One recipe for
 * the API route and the member's link, so both decide under the same rules.
 */
export const changeDecisionDeps = (ports: ChangeDeciderPorts): DecideChangeDeps => ({
  ...ports,
  apply: governedChangeApplier(ports),
  passkeyEvidence: changePasskeyEvidence(ports),
  recheckApprovals: changeApprovalsRecheck(ports),
});
