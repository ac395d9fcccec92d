import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedByEnclave } from '../contract';
import { signedByEnclaveOf, type JobResultStore } from './job-result-store';

interface StoredResult {
  readonly jobId: string;
  readonly result: SignedByEnclave;
  readonly storedAt: string;
}

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/**
 * A `JobResultStore` on the instance's disk: one JSON file per job under `directory`, named by the
 * SHA-256 of the jobId (a jobId is chosen by the queue's sender; it never becomes a path). Each file is
 * written whole to a temporary name, flushed, then linked to its final name: a reader sees a complete
 * result or none, even across a crash, and `link` fails if the name exists, so the first result stored
 * for a job is the one that stays (two hosts racing on one directory cannot swap it).
 *
 * The store belongs to one instance. A job redelivered to another instance of the Auto Scaling group is
 * signed again there; the enclave rebuilds the same transaction from the same proof, so the signature
 * only differs if the signer is randomised. A store shared across instances (a DynamoDB table) would
 * close that gap; this one does not claim to.
 */
export function fileJobResultStore(directory: string): JobResultStore {
  let ready: Promise<unknown> | undefined;
  const pathOf = (jobId: string): string =>
    join(directory, `${createHash('sha256').update(jobId, 'utf8').digest('hex')}.json`);

  return {
    async get(jobId) {
      let text: string;
      try {
        text = await readFile(pathOf(jobId), 'utf8');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      }
      const stored = JSON.parse(text) as Partial<StoredResult>;
      // A file whose jobId differs is a hash collision or a file put there by hand: never an answer.
      const result = stored.jobId === jobId ? signedByEnclaveOf(stored.result) : undefined;
      if (result === undefined) throw new Error('a stored job result is malformed');
      return result;
    },

    async put(jobId, result) {
      ready ??= mkdir(directory, { recursive: true, mode: 0o700 });
      await ready;
      const stored: StoredResult = {
        jobId,
        result: { serializedTransaction: result.serializedTransaction, txHash: result.txHash },
        storedAt: new Date().toISOString(),
      };
      const temporary = join(directory, `.${randomBytes(12).toString('hex')}.tmp`);
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(JSON.stringify(stored), 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await link(temporary, pathOf(jobId));
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      } finally {
        await unlink(temporary);
      }
      // The new directory entry must survive a power loss too.
      const dir = await open(directory, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    },
  };
}
