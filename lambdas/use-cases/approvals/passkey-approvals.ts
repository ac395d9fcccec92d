import type { Hex } from 'viem';
import { relyingPartyOf } from '../../adapters/webauthn/webauthn';
import type { ApprovalGroup } from '../../domain/approvals/approval-group';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { StoredApprovalDecision, StoredApprovalRequest, StoredPasskeyEvidence } from '../../ports/approval-store';
import {
  recheckApprovals,
  transferDigestFor,
  verifyDecisionAssertion,
  type PasskeyEvidence,
  type RecheckRefusal,
} from '../passkeys/passkey-decision';
import type { TransferDeps } from '../transfers/transfer-deps';

export type PasskeyApprovalDeps = Pick<TransferDeps, 'passkeys' | 'deploymentId' | 'publicBaseUrl'>;

/** Whether a request's approvals must be passkey-signed: when any group it needs says so. */
export const passkeysRequired = (groups: ReadonlyMap<string, ApprovalGroup>): boolean =>
  [...groups.values()].some((group) => group.requirePasskeys === true);

/**
 * The passkey evidence of a decision being made: the offered assertion verified over the digest of
 * exactly this decision on this transfer (and its use recorded, so it cannot be presented again), or
 * PASSKEY.ASSERTION_REQUIRED when a group of the request requires passkeys and none was offered.
 * Undefined: no assertion, and none required.
 */
export async function passkeyEvidenceFor(
  deps: PasskeyApprovalDeps,
  input: {
    readonly request: StoredApprovalRequest;
    readonly transfer: TransferState;
    readonly groups: ReadonlyMap<string, ApprovalGroup>;
    readonly approverId: string;
    readonly decision: 'approve' | 'reject';
    readonly assertion: unknown;
    readonly at: Date;
  },
): Promise<StoredPasskeyEvidence | undefined> {
  if (input.assertion === undefined) {
    if (passkeysRequired(input.groups))
      throw passkeyError('PASSKEY.ASSERTION_REQUIRED', 'this approval is decided with your passkey only', {
        requestId: input.request.id,
      });
    return undefined;
  }
  return verifyDecisionAssertion(deps, {
    memberId: input.approverId,
    digest: transferDigestFor({
      deploymentId: deps.deploymentId,
      request: input.request,
      transfer: input.transfer,
      decision: input.decision,
    }),
    assertion: input.assertion,
    relyingParty: relyingPartyOf(deps.publicBaseUrl()),
    at: input.at,
    ref: input.request.id,
  });
}

/**
 * The recorded decisions that count (ARCHITECTURE.md §9), each approval verified again now: its
 * assertion over the digest this approver's decision must sign, by a passkey still enrolled for them,
 * one passkey counting once. Without passkeys required, an approval without evidence counts, but
 * evidence that does not verify never does. A rejection always stands: it can only stop money. What the
 * quorum is counted from, at decision time and by Authorize, so a row written into the approvals table
 * without a valid assertion never completes a quorum that needs passkeys.
 */
export async function countableDecisions(
  deps: PasskeyApprovalDeps,
  input: {
    readonly request: StoredApprovalRequest;
    readonly transfer: TransferState;
    readonly groups: ReadonlyMap<string, ApprovalGroup>;
    readonly decisions: readonly StoredApprovalDecision[];
  },
): Promise<{
  readonly decisions: readonly StoredApprovalDecision[];
  /** The digests the counted approvals signed, in order: what the authorization proof carries. */
  readonly digests: readonly Hex[];
  readonly refused: readonly { readonly approverId: string; readonly reason: RecheckRefusal }[];
}> {
  const approvals = input.decisions.filter((d) => d.decision === 'approve');
  const recheck = await recheckApprovals(deps, {
    decisions: approvals.map((d) => ({
      approverId: d.approverId,
      decision: d.decision,
      // Stored as verified: the shape a PasskeyEvidence had when it was written.
      ...(d.evidence === undefined ? {} : { evidence: d.evidence as PasskeyEvidence }),
    })),
    expectedDigest: (d) =>
      transferDigestFor({
        deploymentId: deps.deploymentId,
        request: input.request,
        transfer: input.transfer,
        decision: d.decision,
      }),
    relyingParty: relyingPartyOf(deps.publicBaseUrl()),
    passkeyRequired: passkeysRequired(input.groups),
  });
  const counted = new Set(recheck.counted);
  return {
    decisions: input.decisions.filter((d) => d.decision === 'reject' || counted.has(d.approverId)),
    digests: recheck.digests,
    refused: recheck.refused,
  };
}
