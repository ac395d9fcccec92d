import { linkSecretHash } from '../../../../lambdas/domain/approvals/approval-link';
import type { ApprovalStore, StoredApprovalRequest } from '../../../../lambdas/ports/approval-store';
import {
  decisionPageResponse,
  linkPageResponse,
} from '../../../../lambdas/handlers/api/approval-page/approval-link-responses';
import {
  decideByLink,
  openApprovalLink,
  type ApprovalLinkDeps,
} from '../../../../lambdas/use-cases/approvals/approval-link';
import { StrongroomError } from '../../../../lambdas/domain/errors';

const SECRET = 'a'.repeat(43);
const OTHER = 'b'.repeat(43);
const NOW = new Date('2026-12-05T12:00:00Z');
const REQUEST: StoredApprovalRequest = {
  id: 'apr-tx-1',
  transferId: 'tx-1',
  initiatorId: 'ops-1',
  requirement: { quorum: 1, groups: [{ group: 'treasury', quorum: 1 }], timeoutSeconds: 600 },
  createdAt: new Date(NOW.getTime() - 60_000),
  expiresAt: new Date(NOW.getTime() + 540_000),
};

/** An approval store with one request whose one link is alice's; nothing else is read in these cases. */
function deps(overrides: Partial<ApprovalStore> = {}, now = NOW): ApprovalLinkDeps {
  const approvals = {
    get: async (id: string) => (id === REQUEST.id ? REQUEST : undefined),
    links: async (id: string) => (id === REQUEST.id ? [{ memberId: 'alice', secretHash: linkSecretHash(SECRET) }] : []),
    resolution: async () => undefined,
    decisions: async () => [],
    ...overrides,
  } as unknown as ApprovalStore;
  const refuse = () => {
    throw new Error('not read in this case');
  };
  return {
    approvals,
    clock: () => now,
    events: { load: refuse },
    wallets: { get: refuse },
    groups: { getMany: refuse },
  } as unknown as ApprovalLinkDeps;
}

describe('opening an approver’s link', () => {
  it.each([
    ['an unknown request', 'apr-tx-none', SECRET, deps(), 'not-found', 404],
    ['a secret of no member', REQUEST.id, OTHER, deps(), 'wrong-link', 403],
    ['a malformed secret', REQUEST.id, 'short', deps(), 'wrong-link', 403],
    [
      'a resolved request',
      REQUEST.id,
      SECRET,
      deps({ resolution: async () => ({ requestId: REQUEST.id, outcome: 'APPROVED', at: NOW, by: 'bob' }) }),
      'resolved',
      409,
    ],
    [
      'a request the sweep resolved as expired',
      REQUEST.id,
      SECRET,
      deps({ resolution: async () => ({ requestId: REQUEST.id, outcome: 'EXPIRED', at: REQUEST.expiresAt }) }),
      'resolved',
      410,
    ],
    [
      'a request its member decided',
      REQUEST.id,
      SECRET,
      deps({
        decisions: async () => [{ requestId: REQUEST.id, approverId: 'alice', decision: 'reject', at: NOW }],
      }),
      'decided',
      409,
    ],
    ['an expired request', REQUEST.id, SECRET, deps({}, new Date(REQUEST.expiresAt.getTime())), 'expired', 410],
  ])('answers %s with its page and status, reading only', async (_case, requestId, secret, given, kind, status) => {
    const state = await openApprovalLink(given, { requestId, secret });
    expect(state.kind).toBe(kind);
    const page = linkPageResponse(state, requestId, secret);
    expect(page.status).toBe(status);
    expect(String(page.body)).not.toContain(secret);
    expect(page.headers?.['content-security-policy']).toContain("default-src 'none'");
  });

  it('says who resolved a resolved request', async () => {
    const state = await openApprovalLink(
      deps({ resolution: async () => ({ requestId: REQUEST.id, outcome: 'REJECTED', at: NOW, by: 'bob' }) }),
      { requestId: REQUEST.id, secret: SECRET },
    );
    expect(String(linkPageResponse(state, REQUEST.id, SECRET).body)).toContain('by bob');
  });
});

describe('deciding through a link', () => {
  it('refuses a secret of no member before deciding anything (403), and an unknown request with 404', async () => {
    const decide = jest.fn();
    const given = deps({ decide });
    await expect(
      decideByLink(given, { requestId: REQUEST.id, secret: OTHER, body: { decision: 'approve' } }),
    ).rejects.toMatchObject({
      code: 'APPROVAL.LINK_INVALID',
    });
    await expect(decideByLink(given, { requestId: 'apr-tx-none', secret: SECRET, body: {} })).rejects.toMatchObject({
      code: 'APPROVAL.REQUEST_NOT_FOUND',
    });
    expect(decide).not.toHaveBeenCalled();
  });

  it.each([
    ['APPROVAL.LINK_INVALID', 403],
    ['APPROVAL.REQUEST_NOT_FOUND', 404],
    ['APPROVAL.INITIATOR_CANNOT_APPROVE', 403],
    ['APPROVAL.DUPLICATE_DECISION', 409],
    ['APPROVAL.ALREADY_RESOLVED', 409],
    ['APPROVAL.EXPIRED', 410],
  ] as const)('renders %s as a %i page', (code, status) => {
    expect(decisionPageResponse(new StrongroomError(code, 'refused')).status).toBe(status);
  });

  it('leaves other errors to the API’s JSON error (a bad form is a 400, an outage a 503)', () => {
    const error = new StrongroomError('REQUEST.INVALID_FIELD', 'decision must be approve or reject');
    expect(() => decisionPageResponse(error)).toThrow(error);
  });
});
