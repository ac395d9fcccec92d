import type { SignedByEnclave } from '../contract';
import type { JobResultStore } from './job-result-store';

/** A `JobResultStore` in memory: for tests and the local runtime, where nothing outlives the process. */
export function memoryJobResultStore(): JobResultStore & { readonly size: number } {
  const results = new Map<string, SignedByEnclave>();
  return {
    get: async (jobId) => results.get(jobId),
    put: async (jobId, result) => {
      if (!results.has(jobId))
        results.set(jobId, { serializedTransaction: result.serializedTransaction, txHash: result.txHash });
    },
    get size() {
      return results.size;
    },
  };
}
