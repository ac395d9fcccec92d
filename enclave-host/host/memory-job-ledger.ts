import type { ClaimOutcome, JobAnswer, JobLedger, VoidOutcome } from '../contract';
import { jobAnswerOf } from './job-answer';

interface Job {
  claim?: { readonly hostId: string; readonly claimedAt: string };
  result?: JobAnswer;
  voided?: { readonly actor: string; readonly reason: string; readonly voidedAt: string };
}

/**
 * A `JobLedger` in memory, with the rules of the DynamoDB one (enclave-host/host/dynamo-job-ledger.ts;
 * both pass one behaviour suite): for the host's unit tests and the workflow's, where a rule should be
 * checkable in milliseconds. Each call runs to its decision without awaiting, so concurrent calls are
 * serialized as DynamoDB serializes transactions on one item collection.
 */
export class MemoryJobLedger implements JobLedger {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async claim(jobId: string, hostId: string): Promise<ClaimOutcome> {
    const job = this.job(jobId);
    if (job.voided !== undefined) return { kind: 'voided', reason: job.voided.reason };
    if (job.result !== undefined) return { kind: 'answered', answer: job.result };
    job.claim ??= { hostId, claimedAt: this.now().toISOString() };
    return { kind: 'claimed' };
  }

  async answer(jobId: string, _hostId: string, answer: JobAnswer): Promise<JobAnswer> {
    const job = this.job(jobId);
    // Copied through the stored shape, so a caller's object is never the stored one.
    job.result ??= storable(answer);
    return job.result;
  }

  async void(jobId: string, actor: string, reason: string): Promise<VoidOutcome> {
    const job = this.job(jobId);
    if (job.claim !== undefined)
      return job.result !== undefined
        ? { kind: 'answered', answer: job.result }
        : { kind: 'in-flight', claimedBy: job.claim.hostId, claimedAt: job.claim.claimedAt };
    job.voided ??= { actor, reason, voidedAt: this.now().toISOString() };
    return { kind: 'voided' };
  }

  private job(jobId: string): Job {
    let job = this.jobs.get(jobId);
    if (job === undefined) this.jobs.set(jobId, (job = {}));
    return job;
  }
}

function storable(answer: JobAnswer): JobAnswer {
  const stored = jobAnswerOf(answer);
  if (stored === undefined) throw new TypeError(`a ${answer.kind} answer is malformed`);
  return stored;
}
