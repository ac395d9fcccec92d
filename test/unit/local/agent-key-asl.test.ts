import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The provisioning state machine's tasks wait for the same enclave host on the same queue as the
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
const tasks = { createAgentKey: agentKey.States.CreateAgentKey!, createMpcKey: agentKey.States.CreateMpcKey! };

describe('statemachines/agent-key.asl.json', () => {
  it('chooses one callback task on the signing queue by the input’s kind, ending with the host’s answer as the output', () => {
    expect(Object.keys(agentKey.States).sort()).toEqual([
      'CreateAgentKey',
      'CreateMpcKey',
      'KeyJobKind',
      'UnknownKeyJob',
    ]);
    expect(agentKey.StartAt).toBe('KeyJobKind');
    expect(agentKey.States.KeyJobKind).toMatchObject({ Type: 'Choice', Default: 'UnknownKeyJob' });
    // Refused with the code the host answers a malformed job with.
    expect(agentKey.States.UnknownKeyJob).toMatchObject({ Type: 'Fail', Error: 'ENCLAVE.BAD_REQUEST' });
    for (const task of Object.values(tasks)) {
      expect(task).toMatchObject({ Type: 'Task', End: true, Resource: sign.Resource });
      expect(task.Parameters.QueueUrl).toBe(sign.Parameters.QueueUrl);
      expect(task).not.toHaveProperty('ResultPath');
      expect(task).not.toHaveProperty('Catch');
    }
  });

  it('sends an AgentKeyJob: kind, jobId wallet:<walletId>, walletId and the task token, nothing else', () => {
    expect(tasks.createAgentKey.Parameters.MessageBody).toEqual({
      kind: 'createAgentKey',
      'jobId.$': "States.Format('wallet:{}', $.walletId)",
      'walletId.$': '$.walletId',
      'taskToken.$': '$$.Task.Token',
    });
  });

  it('sends an MpcKeyJob: the same fields and job id (one key per wallet), and the recovery key, nothing else', () => {
    expect(tasks.createMpcKey.Parameters.MessageBody).toEqual({
      kind: 'createMpcKey',
      'jobId.$': "States.Format('wallet:{}', $.walletId)",
      'walletId.$': '$.walletId',
      'recoveryPublicKey.$': '$.recoveryPublicKey',
      'taskToken.$': '$$.Task.Token',
    });
  });

  it.each(Object.entries(tasks))(
    'times out, heartbeats and retries SQS errors as the transfer workflow’s SignWithEnclave does (%s)',
    (_, task) => {
      expect(task.TimeoutSeconds).toBe(sign.TimeoutSeconds);
      expect(task.HeartbeatSeconds).toBe(sign.HeartbeatSeconds);
      expect(task.Retry).toEqual(sign.Retry);
    },
  );
});
