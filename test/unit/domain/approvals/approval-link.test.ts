import { approvalLinkUrl, linkSecretHash, memberOfLink } from '../../../../lambdas/domain/approvals/approval-link';

const ALICE = 'Ab3_-'.repeat(8) + 'xyz';
const BOB = 'Zy9-_'.repeat(8) + 'abc';
const LINKS = [
  { memberId: 'alice', secretHash: linkSecretHash(ALICE) },
  { memberId: 'bob', secretHash: linkSecretHash(BOB) },
];

describe('approval links', () => {
  it('bind each secret to its member, and nothing else to anyone', () => {
    expect(memberOfLink(LINKS, ALICE)).toBe('alice');
    expect(memberOfLink(LINKS, BOB)).toBe('bob');
    expect(memberOfLink(LINKS, `${ALICE.slice(0, 42)}q`)).toBeUndefined();
    expect(memberOfLink(LINKS, ALICE.slice(0, 42))).toBeUndefined();
    expect(memberOfLink(LINKS, `${ALICE}=`)).toBeUndefined();
    expect(memberOfLink([], ALICE)).toBeUndefined();
  });

  it('store only a hash: the secret is not in it', () => {
    expect(linkSecretHash(ALICE)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(linkSecretHash(ALICE)).not.toContain(ALICE);
  });

  it('point at the request under the API’s base URL, the secret in the query', () => {
    expect(approvalLinkUrl('https://api.example/live/', 'apr-tx-1', ALICE)).toBe(
      `https://api.example/live/v1/approvals/apr-tx-1?t=${ALICE}`,
    );
  });
});
