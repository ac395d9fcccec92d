import { parseEther, type Hash } from 'viem';
import { LocalWorkflowEngine } from '../../local/workflow/local-workflow-engine';
import { watchNewBlocks, type NewBlocks } from '../../local/workflow/watch-new-blocks';
import { startTestAnvil, type DedicatedTestChain } from '../support/anvil';

jest.setTimeout(30_000);

async function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Check (is the transaction mined?) → Wait an hour → Check: the confirmation loop in small. */
const LOOP = {
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${CheckFunctionArn}', Payload: { 'hash.$': '$.hash' } },
      ResultSelector: { 'action.$': '$.Payload.action' },
      ResultPath: '$.check',
      TimeoutSeconds: 10,
      Next: 'Decided',
    },
    Decided: {
      Type: 'Choice',
      Choices: [{ Variable: '$.check.action', StringEquals: 'FINAL', Next: 'Done' }],
      Default: 'Pause',
    },
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Check' },
    Done: { Type: 'Succeed' },
  },
};

describe('watchNewBlocks on anvil (mining by hand)', () => {
  let chain: DedicatedTestChain;
  let blocks: NewBlocks;

  beforeAll(async () => {
    chain = await startTestAnvil({ mining: 'manual' });
    blocks = await watchNewBlocks(chain.rpcUrl);
  });
  afterAll(async () => {
    await blocks?.stop();
    await chain?.stop();
  });

  it('counts every block anvil announces and wakes a listener at the first block after its mark', async () => {
    const mark = blocks.count;
    const listening = new AbortController();
    let woken = false;
    const next = blocks.next(mark, listening.signal).then(() => (woken = true));
    await chain.testClient.mine({ blocks: 1 });
    await next;
    expect(woken).toBe(true);
    expect(blocks.count).toBe(mark + 1);

    await chain.testClient.mine({ blocks: 2 });
    await until(() => (blocks.count === mark + 3 ? true : undefined));
    // A mark behind the count resolves at once; an aborted listener resolves and is dropped.
    await blocks.next(mark, new AbortController().signal);
    const dropped = new AbortController();
    const pending = blocks.next(blocks.count, dropped.signal);
    dropped.abort();
    await pending;
  });

  it('ends a transfer-like Wait when the block with its transaction is mined, not after its hour', async () => {
    const answered: string[] = [];
    const check = async (event: unknown): Promise<{ action: string }> => {
      const receipt = await chain.publicClient
        .getTransactionReceipt({ hash: (event as { hash: Hash }).hash })
        .catch(() => undefined);
      const action = receipt === undefined ? 'WAIT' : 'FINAL';
      answered.push(action);
      return { action };
    };
    const engine = new LocalWorkflowEngine(LOOP, { CheckFunctionArn: check }, { wakeWaits: { Pause: blocks } });
    const [sender] = chain.accounts;
    const hash = await chain.testClient.sendUnsignedTransaction({
      from: sender!.address,
      to: chain.accounts[1]!.address,
      value: parseEther('1'),
    });
    await engine.start('pending-transfer', { hash });
    await until(() => (answered.length === 1 ? true : undefined));
    expect(answered).toEqual(['WAIT']);

    await chain.testClient.mine({ blocks: 1 });
    expect(await engine.waitForCompletion('pending-transfer', 20_000)).toMatchObject({ status: 'SUCCEEDED' });
    expect(answered).toEqual(['WAIT', 'FINAL']);
    await engine.shutdown();
  });
});
