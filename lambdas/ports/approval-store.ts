import type { StoredPasskeyEvidence } from '../domain/passkeys/passkey-evidence';
import type { ApprovalLink } from '../domain/approvals/approval-link';
/** What approving a transfer needs: a quorum in every named group, before `expiresAt`. */
export interface StoredApprovalRequest {
  readonly id: string;
  readonly transferId: string;
  readonly initiatorId: string;
  readonly requirement: {
    readonly quorum: number;
    readonly groups: readonly { readonly group: string; readonly quorum: number }[];
    readonly timeoutSeconds: number;
  };
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export type { StoredPasskeyEvidence } from '../domain/passkeys/passkey-evidence';

export interface StoredApprovalDecision {
  readonly requestId: string;
  readonly approverId: string;
  readonly decision: 'approve' | 'reject';
  readonly at: Date;
  readonly comment?: string;
  readonly evidence?: StoredPasskeyEvidence;
}

/** How a request ended. The first resolution written wins; later ones are refused. */
export interface ApprovalResolution {
  readonly requestId: string;
  readonly outcome: 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'CANCELLED';
  readonly at: Date;
  readonly by?: string;
}

/**
 * Approval requests, one decision item per approver, one resolution per request; all conditional
 * puts. The workflow's callback token is stored sealed and opened only to resume the workflow.
 */
export interface ApprovalStore {
  /** Stores the request with its members' link hashes (never a secret; none: decided through the API only) and the sealed callback token. */
  create(request: StoredApprovalRequest, callbackToken: string, links?: readonly ApprovalLink[]): Promise<void>;
  /** The link hashes of a request, each with its member: what a link's secret is checked against. */
  links(requestId: string): Promise<readonly ApprovalLink[]>;
  get(requestId: string): Promise<StoredApprovalRequest | undefined>;
  /** Records a decision; refused when this approver decided already or the request is resolved. */
  decide(decision: StoredApprovalDecision): Promise<void>;
  decisions(requestId: string): Promise<readonly StoredApprovalDecision[]>;
  /** Writes the resolution if none exists; returns the one that stands (ours or the earlier one). */
  resolve(resolution: ApprovalResolution): Promise<{ readonly resolution: ApprovalResolution; readonly won: boolean }>;
  resolution(requestId: string): Promise<ApprovalResolution | undefined>;
  /** The sealed callback token, opened: for the one component that resumes the workflow. */
  callbackToken(requestId: string): Promise<string>;
  /** Stores the token of a task that waits again for this request (a workflow resumed after a restart); the newest counts. */
  renewCallbackToken(requestId: string, callbackToken: string): Promise<void>;
}
