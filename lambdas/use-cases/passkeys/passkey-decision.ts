import type { Hex } from 'viem';
import {
  credentialIdOfAssertion,
  verifyApprovalAssertion,
  type AssertionRefusal,
  type AuthenticationResponseJSON,
  type RelyingParty,
} from '../../adapters/webauthn/webauthn';
import { ValidationError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { challengeOfDigest, transferApprovalDigest, type PasskeyDecision } from '../../domain/passkeys/approval-digest';
import type { PasskeyCredential } from '../../domain/passkeys/passkey-credential';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { StoredApprovalRequest } from '../../ports/approval-store';
import type { PasskeyStore } from '../../ports/passkey-store';

/**
 * What is stored with a decision so that Authorize can verify it again later, in another function: the
 * credential that signed, the assertion exactly as verified (only the fields WebAuthn defines, rebuilt
 * from the checked ones, so it is plain JSON), and the digest it signed.
 */
export interface PasskeyEvidence {
  readonly credentialId: string;
  readonly assertion: AuthenticationResponseJSON;
  readonly digest: Hex;
}

/** Why a decision's assertion is refused: the verifier's reasons, and `replayed` when its counter was recorded already. */
export type DecisionRefusal = AssertionRefusal | 'replayed';

/**
 * The digest an approver's passkey signs for `decision` on a transfer (`transferApprovalDigest`), from
 * the intent as RequestApproval recorded it:
 *
 * - domain: `deploymentId`, and `transfer.chainId`;
 * - `approvalRequestId` = `request.id`, `expiresAt` = `request.expiresAt` (milliseconds kept);
 * - `transferId` = `transfer.id`, `walletId` = `transfer.walletId`, `from` = `transfer.from`,
 *   `to` = `transfer.to`, `asset` = `transfer.asset`, `amount` = `transfer.amount`, `data` = `transfer.data`.
 *
 * All of these are fixed at submission (SUBMITTED) or by the request, so the page, the decision and
 * Authorize compute the same digest from what they each read. A request of another transfer, or a
 * transfer submitted before `from` was recorded, is PROOF.MALFORMED: there is no intent to sign then.
 */
export function transferDigestFor(input: {
  readonly deploymentId: string;
  readonly request: StoredApprovalRequest;
  readonly transfer: TransferState;
  readonly decision: PasskeyDecision;
}): Hex {
  const { request, transfer } = input;
  if (request.transferId !== transfer.id)
    throw new ValidationError(
      'PROOF.MALFORMED',
      'request.transferId',
      `names ${request.transferId}, not ${transfer.id}`,
    );
  if (transfer.from === undefined)
    throw new ValidationError('PROOF.MALFORMED', 'transfer.from', 'was not recorded at submission');
  return transferApprovalDigest({
    deploymentId: input.deploymentId,
    chainId: transfer.chainId,
    decision: input.decision,
    approvalRequestId: request.id,
    transferId: transfer.id,
    walletId: transfer.walletId,
    from: transfer.from,
    to: transfer.to,
    asset: transfer.asset,
    amount: transfer.amount,
    data: transfer.data,
    expiresAt: request.expiresAt,
  });
}

/**
 * Verifies a member's assertion at the moment they decide, and records its counter: the assertion must
 * name one of THIS member's enrolled passkeys (another member's credential never matches), sign
 * `challengeOfDigest(digest)` on our origin and rpId with user verification, and carry a counter above
 * the highest seen. PASSKEY.NOT_ENROLLED when the member has no passkey; PASSKEY.ASSERTION_INVALID with
 * `details.reason` (a DecisionRefusal) otherwise.
 *
 * A counter the store has seen already (two decisions racing with one assertion) is `replayed`. An
 * authenticator that keeps no counter (always 0) can present one assertion twice; that is harmless,
 * since the digest binds the assertion to one decision on one request, and an approver decides once.
 */
export async function verifyDecisionAssertion(
  deps: { readonly passkeys: PasskeyStore },
  input: {
    readonly memberId: string;
    readonly digest: Hex;
    readonly assertion: unknown;
    readonly relyingParty: RelyingParty;
    readonly at: Date;
    /** What the decision decides, for the use record: the approval request id, or the change id. */
    readonly ref: string;
  },
): Promise<PasskeyEvidence> {
  const credentials = await deps.passkeys.credentialsOf(input.memberId);
  if (credentials.length === 0)
    throw passkeyError('PASSKEY.NOT_ENROLLED', 'the member has no enrolled passkey', { memberId: input.memberId });
  const refuse = (reason: DecisionRefusal): never => {
    throw passkeyError('PASSKEY.ASSERTION_INVALID', `the passkey signature does not count: ${reason}`, {
      memberId: input.memberId,
      reason,
    });
  };
  const credentialId = credentialIdOfAssertion(input.assertion);
  if (credentialId === undefined) return refuse('malformed');
  const credential = credentials.find((c) => c.credentialId === credentialId);
  if (credential === undefined) return refuse('credential-mismatch');
  const verdict = await verifyApprovalAssertion({
    credential,
    assertion: input.assertion,
    expectedChallenge: challengeOfDigest(input.digest),
    expectedOrigin: input.relyingParty.origin,
    rpId: input.relyingParty.rpId,
    counterCheck: 'at-decision',
  });
  if (!verdict.verified) return refuse(verdict.reason);
  const assertion = storedAssertionOf(input.assertion, credentialId);
  if (assertion === undefined) return refuse('malformed');
  const use = await deps.passkeys.recordUse({
    memberId: input.memberId,
    credentialId,
    counter: verdict.newCounter,
    ref: input.ref,
    at: input.at,
  });
  if (use === 'seen-before') return refuse('replayed');
  return { credentialId, assertion, digest: input.digest };
}

/** Why Authorize does not count a recorded decision. */
export type RecheckRefusal =
  /** Passkeys are required and the decision carries none. */
  | 'no-assertion'
  /** The evidence signs another digest than this decision's (another transfer, request or decision). */
  | 'digest-mismatch'
  /** The credential is not, or no longer, an enrolled passkey of this approver (revoked, or another member's). */
  | 'credential-not-enrolled'
  /** An earlier counted decision was signed by the same credential: one passkey counts once. */
  | 'credential-counted-already'
  | AssertionRefusal;

export interface ApprovalRecheck {
  /** The approvers whose decisions stand, in the decisions' order. */
  readonly counted: readonly string[];
  /** The digests of the counted decisions that carry evidence, in the same order (all of them when required). */
  readonly digests: readonly Hex[];
  readonly refused: readonly { readonly approverId: string; readonly reason: RecheckRefusal }[];
}

/**
 * Authorize's second look at the recorded decisions (ARCHITECTURE.md §9): a row in the approvals table
 * counts only with an assertion that verifies again, now, against the approver's enrolled passkeys. Its
 * digest must be the one this decision should have signed (`expectedDigest`), its credential must still
 * be enrolled for that approver (a revoked passkey, or another member's, does not count), the signature
 * must verify (`counterCheck: 'recheck'`: the counter moved on since), and one credential counts once.
 *
 * When passkeys are not required, a decision without evidence counts, but evidence that is present must
 * verify: a forged or foreign assertion is refused, never silently ignored. Reads only.
 */
export async function recheckApprovals<
  D extends { readonly approverId: string; readonly decision: PasskeyDecision; readonly evidence?: PasskeyEvidence },
>(
  deps: { readonly passkeys: PasskeyStore },
  input: {
    readonly decisions: readonly D[];
    readonly expectedDigest: (decision: D) => Hex;
    readonly relyingParty: RelyingParty;
    readonly passkeyRequired: boolean;
  },
): Promise<ApprovalRecheck> {
  const enrolled = new Map<string, Promise<readonly PasskeyCredential[]>>();
  const credentialsOf = (approverId: string): Promise<readonly PasskeyCredential[]> => {
    const known = enrolled.get(approverId);
    if (known !== undefined) return known;
    const read = deps.passkeys.credentialsOf(approverId);
    enrolled.set(approverId, read);
    return read;
  };
  const counted: string[] = [];
  const digests: Hex[] = [];
  const refused: { approverId: string; reason: RecheckRefusal }[] = [];
  const usedCredentials = new Set<string>();
  for (const decision of input.decisions) {
    const { approverId, evidence } = decision;
    if (evidence === undefined) {
      if (input.passkeyRequired) refused.push({ approverId, reason: 'no-assertion' });
      else counted.push(approverId);
      continue;
    }
    const reason = await whyNotCounted(decision, evidence);
    if (reason !== undefined) {
      refused.push({ approverId, reason });
      continue;
    }
    usedCredentials.add(evidence.credentialId);
    counted.push(approverId);
    digests.push(evidence.digest);
  }
  return { counted, digests, refused };

  async function whyNotCounted(decision: D, evidence: PasskeyEvidence): Promise<RecheckRefusal | undefined> {
    const expected = input.expectedDigest(decision);
    if (evidence.digest.toLowerCase() !== expected.toLowerCase()) return 'digest-mismatch';
    const credential = (await credentialsOf(decision.approverId)).find((c) => c.credentialId === evidence.credentialId);
    if (credential === undefined) return 'credential-not-enrolled';
    if (usedCredentials.has(credential.credentialId)) return 'credential-counted-already';
    const verdict = await verifyApprovalAssertion({
      credential,
      assertion: evidence.assertion,
      expectedChallenge: challengeOfDigest(expected),
      expectedOrigin: input.relyingParty.origin,
      rpId: input.relyingParty.rpId,
      counterCheck: 'recheck',
    });
    return verdict.verified ? undefined : verdict.reason;
  }
}

/**
 * The assertion to store: only the fields WebAuthn defines, so what is kept is what was verified (a
 * client's extra members, or a large `clientExtensionResults`, are not stored). The verifier has
 * accepted it by then, which checked these fields; undefined is for a shape it would not have passed.
 */
function storedAssertionOf(value: unknown, credentialId: string): AuthenticationResponseJSON | undefined {
  if (!isRecord(value) || !isRecord(value.response)) return undefined;
  const { clientDataJSON, authenticatorData, signature, userHandle } = value.response;
  if (typeof clientDataJSON !== 'string' || typeof authenticatorData !== 'string' || typeof signature !== 'string')
    return undefined;
  return {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    response: {
      clientDataJSON,
      authenticatorData,
      signature,
      ...(typeof userHandle === 'string' && userHandle !== '' ? { userHandle } : {}),
    },
    clientExtensionResults: {},
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
