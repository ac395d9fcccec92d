import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoApprovalStore } from '../../../lambdas/adapters/dynamodb/dynamo-approval-store';
import type { SecretSealer } from '../../../lambdas/ports/secret-sealer';

// A page boundary inside one request's decisions needs 1 MB of them on DynamoDB Local: a mock pages here.
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const mock = mockClient(doc);
const unusedSealer = {} as SecretSealer;

beforeEach(() => mock.reset());

describe('DynamoApprovalStore.decisions', () => {
  it('reads every page of the decisions: a reject on the second page is seen', async () => {
    const decision = (approverId: string, decision: string, at: string) => ({
      pk: 'APPROVAL#r1',
      sk: `DECISION#${approverId}`,
      approverId,
      decision,
      at,
    });
    mock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [decision('amy', 'approve', '2026-01-01T00:00:01.000Z')],
        LastEvaluatedKey: { pk: 'APPROVAL#r1', sk: 'DECISION#amy' },
      })
      .resolvesOnce({ Items: [decision('bob', 'reject', '2026-01-01T00:00:02.000Z')] });

    const decisions = await new DynamoApprovalStore(doc, 'approvals', unusedSealer).decisions('r1');

    expect(decisions.map((d) => [d.approverId, d.decision])).toEqual([
      ['amy', 'approve'],
      ['bob', 'reject'],
    ]);
    const calls = mock.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: 'APPROVAL#r1', sk: 'DECISION#amy' });
    expect(calls.every((c) => c.args[0].input.ConsistentRead === true)).toBe(true);
  });
});
