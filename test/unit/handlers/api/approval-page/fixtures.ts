import type {
  ApprovalNoticeView,
  ApprovalPageView,
} from '../../../../../lambdas/handlers/api/approval-page/approval-page-view';

/** A valid CSP nonce (128 bits, base64) for renders whose nonce does not matter. */
export const SAMPLE_NONCE = 'q4Jc0aVb3T1mZ0YH2m9wQA==';

/** A link secret as RequestApproval writes it: 256 random bits, base64url. */
export const SAMPLE_SECRET = 'Zk3tq0b7W1xQ9nR2vYc8LmA5pE4sH6dJ0uK1iO3gT7w';

/**
 * An approval page for Bob: 1.5 ETH from the treasury wallet on anvil to an allowlisted address, one vote of
 * two in. `overrides` replaces whole top-level fields (pass `destination: { address }` to drop the label).
 */
export function sampleApprovalPageView(overrides: Partial<ApprovalPageView> = {}): ApprovalPageView {
  return {
    requestId: 'ar-01JH5Q7X9K2M3N4P5R6S7T8V9W',
    secret: SAMPLE_SECRET,
    approver: { id: 'm-bob', name: 'Bob Approver' },
    wallet: {
      id: 'w-3f9a1c2b4d5e6f70',
      name: 'Treasury hot wallet',
      address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      chainId: 31337,
      chainName: 'Anvil',
    },
    destination: { address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', label: 'Exchange deposit' },
    asset: { symbol: 'ETH', decimals: 18 },
    amount: { base: '1500000000000000000', human: '1.5' },
    rule: { id: 'large-transfer' },
    requester: 'op-alice',
    quorum: 2,
    votes: [{ approverId: 'm-carol', decision: 'approve', at: new Date('2026-01-14T10:05:00Z') }],
    expiresAt: new Date('2026-01-15T10:00:00Z'),
    ...overrides,
  };
}

/** A decoded ERC-20 `transfer`, for pages about a contract call. */
export const SAMPLE_DECODED_CALL = {
  functionName: 'transfer',
  args: [
    { name: 'to', value: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
    { name: 'amount', value: '250000000' },
  ],
} as const;

/** Calldata no ABI decodes. */
export const SAMPLE_RAW_CALL = {
  raw: '0xdeadbeef00000000000000000000000000000000000000000000000000000000000000ff',
} as const;

/** One notice per status the link routes serve, with what the approvals function would say. */
export const SAMPLE_NOTICES: readonly ApprovalNoticeView[] = [
  {
    status: 200,
    title: 'Your approval is recorded',
    lines: ['Bob Approver approved. 2 of 2 approvals: the transfer proceeds.'],
  },
  { status: 403, title: 'This link is not valid', lines: ['The link does not match this approval request.'] },
  { status: 404, title: 'No such approval request', lines: ['There is no approval request with this id.'] },
  { status: 409, title: 'Already decided', lines: ['Bob Approver approved on Wed 14 Jan 2026, 10:07 UTC.'] },
  { status: 410, title: 'This link has expired', lines: ['The request expired on Thu 15 Jan 2026, 10:00 UTC.'] },
];
