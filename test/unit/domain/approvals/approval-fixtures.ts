import type { ApprovalGroup } from '../../../../lambdas/domain/approvals/approval-group';
import type {
  ApprovalDecision,
  ApprovalRequest,
  ApprovalRequirement,
} from '../../../../lambdas/domain/approvals/approval-request';

const group = (id: string, memberIds: readonly string[]): ApprovalGroup => ({
  id,
  name: id,
  members: memberIds.map((m) => ({ id: m, name: m })),
});

/** ivan submits transfers and sits in treasury himself; alice sits in both groups. */
export const GROUPS: ReadonlyMap<string, ApprovalGroup> = new Map([
  ['treasury', group('treasury', ['alice', 'bob', 'carol', 'dave', 'ivan'])],
  ['risk', group('risk', ['alice', 'erin', 'frank'])],
]);

export const T0 = new Date('2030-01-01T00:00:00.000Z');
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
export const EXPIRES_AT = at(60);

export const TWO_OF_TREASURY: ApprovalRequirement = {
  quorum: 2,
  groups: [{ group: 'treasury', quorum: 2 }],
  timeoutSeconds: 3600,
};

export function request(requirement: ApprovalRequirement = TWO_OF_TREASURY): ApprovalRequest {
  return { id: 'apr-1', transferId: 'tr-1', initiatorId: 'ivan', requirement, createdAt: T0, expiresAt: EXPIRES_AT };
}

export const decide = (approverId: string, decision: 'approve' | 'reject', minutes: number): ApprovalDecision => ({
  requestId: 'apr-1',
  approverId,
  decision,
  at: at(minutes),
});
