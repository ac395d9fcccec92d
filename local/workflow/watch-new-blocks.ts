import { createPublicClient, webSocket } from 'viem';
import type { WaitWakeSource } from './local-workflow-engine';

/** The new blocks of a local chain as a {@link WaitWakeSource}, until {@link NewBlocks.stop}. */
export interface NewBlocks extends WaitWakeSource {
  /** Ends the subscription and closes its socket; waits still pending end at their own duration. */
  stop(): Promise<void>;
}

export interface WatchNewBlocksOptions {
  /** The subscription failed after it started (the node went away): waits end at their duration from then on. */
  readonly onError?: (error: Error) => void;
}

interface Waiter {
  readonly mark: number;
  readonly resolve: () => void;
}

/**
 * Subscribes to `newHeads` on the node at `rpcUrl` (anvil answers WebSocket on its HTTP port) and
 * counts the blocks it announces. Resolves once the node has confirmed the subscription, so that no
 * block mined afterwards goes uncounted: a Wait's mark taken from then on never misses its block.
 * (viem's `watchBlockNumber` subscribes the same way but does not say when it is subscribed.)
 */
export async function watchNewBlocks(rpcUrl: string, options: WatchNewBlocksOptions = {}): Promise<NewBlocks> {
  const url = rpcUrl.replace(/^http(s?):/, 'ws$1:');
  // No reconnect: a node that went away is being stopped; waits then simply run their duration.
  const client = createPublicClient({
    transport: webSocket(url, { key: 'strongroom-new-blocks', reconnect: false, keepAlive: false }),
  });
  let count = 0;
  let failed = false;
  const waiters = new Set<Waiter>();
  const { unsubscribe } = await client.transport.subscribe({
    params: ['newHeads'],
    onData: () => {
      count += 1;
      for (const waiter of waiters) {
        if (count > waiter.mark) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
    onError: (error: Error) => {
      if (failed) return;
      failed = true;
      options.onError?.(error);
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    get count() {
      return count;
    },
    next(mark, signal) {
      if (count > mark || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const waiter: Waiter = {
          mark,
          resolve: () => {
            signal.removeEventListener('abort', drop);
            resolve();
          },
        };
        const drop = (): void => {
          waiters.delete(waiter);
          resolve();
        };
        signal.addEventListener('abort', drop, { once: true });
        waiters.add(waiter);
      });
    },
    stop: () =>
      (stopping ??= (async () => {
        if (!failed) await Promise.race([unsubscribe(), new Promise((r) => setTimeout(r, 1_000).unref())]);
        (await client.transport.getRpcClient()).close();
      })()),
  };
}
