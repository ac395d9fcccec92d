import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The provisioning state machine's one task waits for the same enclave host on the same queue as the
// transfer workflow's Sign: a host heartbeats both the same way, so their clocks and retries must agree.

interface CallbackTask {
  readonly Resource: string;
  readonly Parameters: { readonly QueueUrl: string; readonly MessageBody: Record<string, unknown> };
  readonly TimeoutSeconds: number;
  readonly HeartbeatSeconds: number;
  readonly Retry: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Catch?: unknown;
}

const read = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../statemachines', file), 'utf8')) as {
    StartAt: string;
    States: Record<string, CallbackTask & { Type: string; End?: boolean }>;
  };
const agentKey = read('agent-key.asl.json');
const sign = read('transaction.asl.json').States.SignWithEnclave!;
const task = agentKey.States.CreateAgentKey!;

describe('statemachines/agent-key.asl.json', () => {
  it('is one callback task on the signing queue, ending with the host’s answer as the output', () => {
    expect(Object.keys(agentKey.States)).toEqual(['CreateAgentKey']);
    expect(agentKey.StartAt).toBe('CreateAgentKey');
    expect(task).toMatchObject({ Type: 'Task', End: true, Resource: sign.Resource });
    expect(task.Parameters.QueueUrl).toBe(sign.Parameters.QueueUrl);
    expect(task).not.toHaveProperty('ResultPath');
    expect(task).not.toHaveProperty('Catch');
  });

  it('sends an AgentKeyJob: kind, jobId wallet:<walletId>, walletId and the task token, nothing else', () => {
    expect(task.Parameters.MessageBody).toEqual({
      kind: 'createAgentKey',
      'jobId.$': "States.Format('wallet:{}', $.walletId)",
      'walletId.$': '$.walletId',
      'taskToken.$': '$$.Task.Token',
    });
  });

  it('times out, heartbeats and retries SQS errors as the transfer workflow’s SignWithEnclave does', () => {
    expect(task.TimeoutSeconds).toBe(sign.TimeoutSeconds);
    expect(task.HeartbeatSeconds).toBe(sign.HeartbeatSeconds);
    expect(task.Retry).toEqual(sign.Retry);
  });
});
