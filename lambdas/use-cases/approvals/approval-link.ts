import { passkeyPrompt, type PasskeyPrompt } from '../passkeys/passkey-prompt';
import { memberOfLink } from '../../domain/approvals/approval-link';
import { challengeOfDigest } from '../../domain/passkeys/approval-digest';
import { transferDigestFor } from '../passkeys/passkey-decision';
import { StrongroomError } from '../../domain/errors';
import type { Rule } from '../../domain/policy/policy';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { Wallet } from '../../domain/wallets/wallet';
import type { ApprovalResolution, StoredApprovalDecision, StoredApprovalRequest } from '../../ports/approval-store';
import { loadTransfer } from '../transfers/load-transfer';
import { decideApproval, type ApprovalDecisionResult } from '../transfers/decide-approval';
import type { TransferDeps } from '../transfers/transfer-deps';
import { describeTransfer, type TransferDescription } from './describe-transfer';

export type ApprovalLinkDeps = Pick<
  TransferDeps,
  | 'approvals'
  | 'events'
  | 'wallets'
  | 'groups'
  | 'chains'
  | 'workflow'
  | 'audit'
  | 'clock'
  | 'passkeys'
  | 'deploymentId'
  | 'publicBaseUrl'
>;

/** Where an approver's link stands, for the page to show: the decision form, or why there is none. */
export type ApprovalLinkState =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'wrong-link' }
  | { readonly kind: 'resolved'; readonly resolution: ApprovalResolution }
  | { readonly kind: 'decided'; readonly decision: StoredApprovalDecision }
  | { readonly kind: 'expired'; readonly expiresAt: Date }
  | {
      readonly kind: 'open';
      readonly member: { readonly id: string; readonly name: string };
      readonly request: StoredApprovalRequest;
      readonly transfer: TransferState;
      readonly wallet?: Wallet;
      readonly description: TransferDescription;
      /** The allowlist rule of the wallet's policy that names the destination: its description, else its id. */
      readonly destinationLabel?: string;
      readonly decisions: readonly StoredApprovalDecision[];
      /** The member's passkeys and the challenge of each decision, when the member has any. */
      readonly passkey?: PasskeyPrompt<{ readonly approve: string; readonly reject: string }>;
    };

/**
 * Opens an approver's link (`GET /v1/approvals/{id}?t=…`): reads, never writes, so a mail scanner that
 * fetches every link changes nothing. The secret is checked against every stored hash of the request
 * in constant time; a wrong or foreign secret learns only that it is wrong. A resolution is reported
 * before anything member-specific; an expired request before the form.
 */
export async function openApprovalLink(
  deps: ApprovalLinkDeps,
  input: { readonly requestId: string; readonly secret: string },
): Promise<ApprovalLinkState> {
  const [request, links] = await Promise.all([
    deps.approvals.get(input.requestId),
    deps.approvals.links(input.requestId),
  ]);
  if (request === undefined) return { kind: 'not-found' };
  const opened = request;
  const memberId = memberOfLink(links, input.secret);
  if (memberId === undefined) return { kind: 'wrong-link' };
  const [resolution, decisions] = await Promise.all([
    deps.approvals.resolution(request.id),
    deps.approvals.decisions(request.id),
  ]);
  if (resolution !== undefined) return { kind: 'resolved', resolution };
  const own = decisions.find((d) => d.approverId === memberId);
  if (own !== undefined) return { kind: 'decided', decision: own };
  if (deps.clock().getTime() >= request.expiresAt.getTime()) return { kind: 'expired', expiresAt: request.expiresAt };
  const [transfer, groups] = await Promise.all([
    loadTransfer(deps.events, request.transferId),
    deps.groups.getMany(request.requirement.groups.map((g) => g.group)),
  ]);
  const [wallet, credentials] = await Promise.all([
    deps.wallets.get(transfer.walletId),
    deps.passkeys.credentialsOf(memberId),
  ]);
  const name = [...groups.values()].flatMap((g) => g.members).find((m) => m.id === memberId)?.name ?? memberId;
  const label = wallet?.policy?.rules.find(
    (rule) =>
      rule.match.counterparty?.type === 'allowlist' &&
      rule.match.counterparty.addresses.some((a) => a.toLowerCase() === transfer.to.toLowerCase()),
  );
  const passkey = passkeyPrompt(credentials, deps.publicBaseUrl(), () => ({
    approve: challengeOf('approve'),
    reject: challengeOf('reject'),
  }));
  return {
    kind: 'open',
    member: { id: memberId, name },
    request,
    transfer,
    ...(wallet === undefined ? {} : { wallet }),
    description: describeTransfer(transfer, deps.chains, wallet?.name ?? transfer.walletId),
    ...(label === undefined ? {} : { destinationLabel: allowlistLabel(label) }),
    decisions,
    ...(passkey === undefined ? {} : { passkey }),
  };

  function challengeOf(decision: 'approve' | 'reject'): string {
    const digest = transferDigestFor({ deploymentId: deps.deploymentId, request: opened, transfer, decision });
    return challengeOfDigest(digest);
  }
}

/** An allowlist's label: the rule's description (e.g. "Exchange deposit addresses") with its id, or the id alone. */
function allowlistLabel(rule: Rule): string {
  return rule.description === undefined ? `rule ${rule.id}` : `${rule.description} (rule ${rule.id})`;
}

/**
 * Decides through an approver's link (`POST /v1/approvals/{id}` with the link's secret `t`): the member
 * bound to the secret decides, under exactly the rules of the API path (the initiator never counts, a
 * second decision is refused, the first resolution wins, an expired request takes none). The audit
 * trail records the member's id, never the secret.
 */
export async function decideByLink(
  deps: ApprovalLinkDeps,
  input: { readonly requestId: string; readonly secret: string; readonly body: unknown },
): Promise<ApprovalDecisionResult> {
  const links = await deps.approvals.links(input.requestId);
  const memberId = memberOfLink(links, input.secret);
  if (memberId === undefined) {
    if ((await deps.approvals.get(input.requestId)) === undefined)
      throw new StrongroomError('APPROVAL.REQUEST_NOT_FOUND', `no approval request ${input.requestId}`, {
        details: { requestId: input.requestId },
      });
    throw new StrongroomError('APPROVAL.LINK_INVALID', 'this link does not let anyone decide this request');
  }
  return decideApproval(deps, {
    principal: { id: memberId, roles: ['approver'] },
    requestId: input.requestId,
    body: input.body,
  });
}
