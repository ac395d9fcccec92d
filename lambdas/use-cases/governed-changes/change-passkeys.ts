import type { Hex } from 'viem';
import { relyingPartyOf } from '../../adapters/webauthn/webauthn';
import type {
  ChangeDecision,
  ChangeDecisionKind,
  ChangeRequest,
  ChangeView,
} from '../../domain/governance/change-request';
import { challengeOfDigest, changeApprovalDigest } from '../../domain/passkeys/approval-digest';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { StoredChange } from '../../ports/governance-store';
import { recheckApprovals, verifyDecisionAssertion, type PasskeyEvidence } from '../passkeys/passkey-decision';
import type { TransferDeps } from '../transfers/transfer-deps';

export type ChangePasskeyDeps = Pick<TransferDeps, 'passkeys' | 'deploymentId' | 'publicBaseUrl' | 'clock'>;

/**
 * The digest a governance member's passkey signs for a decision on a change: the change's id, kind and
 * payload, under the deployment's domain. A veto signs the `reject` digest, so an approval's signature
 * can never be shown as a veto, nor the other way round.
 */
export function changeDigest(deploymentId: string, change: ChangeRequest, decision: ChangeDecisionKind): Hex {
  return changeApprovalDigest({
    deploymentId,
    decision: decision === 'approve' ? 'approve' : 'reject',
    changeId: change.id,
    kind: change.action.kind,
    payload: change.action.payload,
  });
}

/** What a member's passkey signs for each decision on a change (base64url challenges), for clients to ask it. */
export const changeChallenges = (deploymentId: string, change: ChangeRequest) => ({
  approve: challengeOfDigest(changeDigest(deploymentId, change, 'approve')),
  veto: challengeOfDigest(changeDigest(deploymentId, change, 'veto')),
});

/**
 * The verifier of governance decisions: a member's assertion over the change's digest for their
 * decision, by one of their enrolled passkeys (its use recorded: it does not verify twice). A group
 * that requires passkeys takes no decision without one (PASSKEY.ASSERTION_REQUIRED).
 */
export function changePasskeyEvidence(deps: ChangePasskeyDeps) {
  return async (input: {
    readonly view: ChangeView;
    readonly memberId: string;
    readonly decision: ChangeDecisionKind;
    readonly assertion: unknown;
  }): Promise<ChangeDecision['evidence']> => {
    if (input.assertion === undefined) {
      if (input.view.governance.requirePasskeys === true)
        throw passkeyError('PASSKEY.ASSERTION_REQUIRED', 'this governance group decides with passkeys only', {
          changeId: input.view.id,
        });
      return undefined;
    }
    return verifyDecisionAssertion(deps, {
      memberId: input.memberId,
      digest: changeDigest(deps.deploymentId, input.view, input.decision),
      assertion: input.assertion,
      relyingParty: relyingPartyOf(deps.publicBaseUrl()),
      at: deps.clock(),
      ref: input.view.id,
    });
  };
}

/**
 * Before a change of a passkey-governed group applies: every approval counted for it must carry an
 * assertion that verifies again, now, by a passkey still enrolled for that member (one passkey once),
 * and those must still reach the quorum without the excluded members. Otherwise it throws, and the
 * change ends FAILED: an approval written around the API never applies a change.
 */
export function changeApprovalsRecheck(deps: ChangePasskeyDeps) {
  return async (change: StoredChange): Promise<void> => {
    const { request } = change;
    const eligible = new Set(
      request.governance.members.map((m) => m.id).filter((id) => !request.excludedMemberIds.includes(id)),
    );
    const approvals = change.decisions.filter((d) => d.decision === 'approve' && eligible.has(d.memberId));
    const recheck = await recheckApprovals(deps, {
      decisions: approvals.map((d) => ({
        approverId: d.memberId,
        decision: 'approve' as const,
        // Stored as verified: the shape a PasskeyEvidence had when it was written.
        ...(d.evidence === undefined ? {} : { evidence: d.evidence as PasskeyEvidence }),
      })),
      expectedDigest: () => changeDigest(deps.deploymentId, request, 'approve'),
      relyingParty: relyingPartyOf(deps.publicBaseUrl()),
      passkeyRequired: true,
    });
    if (recheck.counted.length < request.governance.quorum) {
      const refused = recheck.refused.map((r) => `${r.approverId}: ${r.reason}`).join(', ');
      throw new Error(
        `${recheck.counted.length} of the ${request.governance.quorum} passkey-signed approvals needed verify` +
          (refused === '' ? '' : `; not counted: ${refused}`),
      );
    }
  };
}
