import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { MEMBER_ATTRIBUTE, SnsApprovalNotifier } from '../../../lambdas/adapters/sns/sns-approval-notifier';

/** An SNS client that records each PublishCommand's input, or fails every send. */
function fakeSns(fail = false): { client: SNSClient; published: PublishCommand['input'][] } {
  const published: PublishCommand['input'][] = [];
  const client = {
    send: async (command: PublishCommand) => {
      if (fail) throw new Error('throttled');
      published.push(command.input);
      return {};
    },
  } as unknown as SNSClient;
  return { client, published };
}

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:approvers';
const SECRET = 'S'.repeat(43);

describe('SnsApprovalNotifier', () => {
  it('sends each approver their own link, filtered by their member id, with no secret in the subject', async () => {
    const { client, published } = fakeSns();
    await new SnsApprovalNotifier(TOPIC, client).notifyApprovers({
      approvalRequestId: 'apr-tx-1',
      transferId: 'tx-1',
      walletId: 'w-1',
      summary: '2 ETH to 0xabc from Treasury, requested by ops',
      expiresAt: new Date('2026-12-05T12:00:00Z'),
      members: [
        { id: 'alice', name: 'Alice', link: `https://x/v1/approvals/apr-tx-1?t=${SECRET}` },
        { id: 'bob', name: 'Bob', link: `https://x/v1/approvals/apr-tx-1?t=${'B'.repeat(43)}` },
      ],
    });
    expect(published.map((p) => p.MessageAttributes?.[MEMBER_ATTRIBUTE]?.StringValue)).toEqual(['alice', 'bob']);
    expect(published[0]?.Message).toContain(SECRET);
    expect(published[1]?.Message).not.toContain(SECRET);
    for (const p of published) expect(p.Subject).toBe('strongroom approval apr-tx-1');
  });

  it('sends an enrollment link to its member only, with no secret in the subject', async () => {
    const { client, published } = fakeSns();
    await new SnsApprovalNotifier(TOPIC, client).notifyEnrollment({
      enrollmentId: 'enr-1',
      memberId: 'alice',
      memberName: 'Alice',
      link: `https://x/v1/passkeys/enroll/enr-1?t=${SECRET}`,
      expiresAt: new Date('2026-12-08T12:00:00Z'),
    });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      TopicArn: TOPIC,
      Subject: 'strongroom passkey enrollment enr-1',
      MessageAttributes: { [MEMBER_ATTRIBUTE]: { DataType: 'String', StringValue: 'alice' } },
    });
    expect(published[0]?.Message).toContain(SECRET);
    expect(published[0]?.Subject).not.toContain(SECRET);
  });

  it('sends each governance member their own change link, filtered by member id, with no secret in the subject', async () => {
    const { client, published } = fakeSns();
    await new SnsApprovalNotifier(TOPIC, client).notifyGovernance({
      changeId: 'chg-1',
      summary: 'SET_POLICY of w-1, proposed by root ("relax"); it raises a limit',
      expiresAt: new Date('2026-12-12T12:00:00Z'),
      timeLockSeconds: 86_400,
      members: [
        { id: 'ana', name: 'Ana', link: `https://x/v1/governance/changes/chg-1/decide?t=${SECRET}` },
        { id: 'ben', name: 'Ben', link: `https://x/v1/governance/changes/chg-1/decide?t=${'B'.repeat(43)}` },
      ],
    });
    expect(published.map((p) => p.MessageAttributes?.[MEMBER_ATTRIBUTE]?.StringValue)).toEqual(['ana', 'ben']);
    expect(published[0]?.Message).toContain(SECRET);
    expect(published[0]?.Message).toContain('86400 seconds after its quorum');
    expect(published[1]?.Message).not.toContain(SECRET);
    for (const p of published) expect(p.Subject).toBe('strongroom governance change chg-1');
  });

  it('fails safe (NOTIFY.UNAVAILABLE, no secret in the error) when SNS does not take the message', async () => {
    const { client } = fakeSns(true);
    const attempt = new SnsApprovalNotifier(TOPIC, client).notifyEnrollment({
      enrollmentId: 'enr-2',
      memberId: 'bob',
      memberName: 'Bob',
      link: `https://x/v1/passkeys/enroll/enr-2?t=${SECRET}`,
      expiresAt: new Date('2026-12-08T12:00:00Z'),
    });
    await expect(attempt).rejects.toMatchObject({ code: 'NOTIFY.UNAVAILABLE', details: { enrollmentId: 'enr-2' } });
    await expect(attempt).rejects.not.toHaveProperty('message', expect.stringContaining(SECRET));
  });
});
