import { parseEther } from 'viem';
import { Composer } from '../../lambdas/composition/compose';
import { NO_METRICS } from '../../lambdas/observability/metrics';
import { decideApproval } from '../../lambdas/use-cases/transfers/decide-approval';
import { submitTransfer } from '../../lambdas/use-cases/transfers/submit-transfer';
import { OutboxNotifier } from '../../lambdas/adapters/local/outbox-notifier';
import { composeTransferWorkflow, resumeInFlightTransfers } from '../../local/workflow/transfer-workflow';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack';

let stack: WorkflowStack;

beforeAll(async () => {
  stack = await startWorkflowStack();
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

it('resumes a transfer waiting for approval after the runtime restarts, and completes it after approval', async () => {
  await stack.createGroup('treasury', ['alice', 'bob']);
  const wallet = await stack.createWallet('restart');
  await stack.setPolicy(wallet, {
    rules: [
      {
        id: 'all',
        match: {},
        action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 },
      },
    ],
    limits: {},
  });
  await stack.fund(wallet, 'native', parseEther('5'));
  const { id } = await submitTransfer(stack.deps, {
    principal: { id: 'ops-1', roles: ['operator'] },
    idempotencyKey: 'restart-key-1',
    body: { walletId: wallet.id, to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', asset: 'native', amount: '1000' },
    traceId: 'trace-restart',
  });
  let state = await stack.deps.events.load(id);
  for (let i = 0; state?.approvalRequestId === undefined && i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await stack.deps.events.load(id);
  }
  const requestId = state?.approvalRequestId as string;
  const firstToken = await stack.deps.approvals.callbackToken(requestId);

  // The process "restarts": a new engine knows no executions; the handlers get it as their workflow.
  const { engine, composer } = await composeTransferWorkflow(
    (workflow) =>
      new Composer(process.env, {
        workflow,
        notifier: new OutboxNotifier(),
        keyVault: stack.vault,
        metrics: NO_METRICS,
        publicBaseUrl: () => 'http://127.0.0.1:8080',
      }),
    { waitTimeScale: 0.02 },
  );
  const deps = await composer.composeAll();
  expect(await resumeInFlightTransfers(deps.events, engine)).toEqual([id]);
  for (let i = 0; i < 200 && (await deps.approvals.callbackToken(requestId)) === firstToken; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await deps.approvals.callbackToken(requestId)).not.toBe(firstToken);

  await decideApproval(deps, {
    principal: { id: 'alice', roles: ['approver'] },
    requestId,
    body: { decision: 'approve' },
  });
  const execution = await engine.waitForCompletion(id, 60_000);
  expect(execution.status).toBe('SUCCEEDED');
  expect((await deps.events.load(id))?.status).toBe('COMPLETED');
  // The execution of the process that "died" is released too (its callback would never come).
  await stack.engine.sendTaskFailure(firstToken, 'RuntimeRestarted', '{}');
  expect((await stack.engine.waitForCompletion(id, 30_000)).status).toBe('SUCCEEDED');
  expect((await deps.events.load(id))?.status).toBe('COMPLETED');
}, 120_000);
