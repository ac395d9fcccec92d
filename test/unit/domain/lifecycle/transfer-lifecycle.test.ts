import fc from 'fast-check';
import { IllegalTransitionError, StrongroomError } from '../../../../lambdas/domain/errors';
import { applyTransferEvent, foldTransferEvents } from '../../../../lambdas/domain/lifecycle/transfer-lifecycle';
import type {
  TransferEvent,
  TransferEventData,
  TransferEventType,
} from '../../../../lambdas/domain/lifecycle/transfer-events';
import { mayReleaseFunds, type TransferState } from '../../../../lambdas/domain/lifecycle/transfer-state';

const TX_HASH = `0x${'ab'.repeat(32)}` as const;
const OTHER_HASH = `0x${'cd'.repeat(32)}` as const;
const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;

const SAMPLE: { [T in TransferEventType]: TransferEventData[T] } = {
  SUBMITTED: {
    walletId: 'w1',
    initiatorId: 'alice',
    traceId: 't1',
    chainId: 31337,
    to: ADDRESS,
    asset: 'native',
    amount: 5n,
    data: '0x',
    feeAllowance: 2n,
    reserved: { asset: 'native', amount: 5n },
  },
  EXECUTION_STARTED: { executionName: 'tx-1' },
  SCREENING_STARTED: {},
  SCREENING_CLEARED: { provider: 'denylist' },
  SCREENING_HIT: { provider: 'denylist', reason: 'sanctioned' },
  POLICY_EVALUATED: {
    decisionId: 'd1',
    policyVersion: 1,
    action: 'ALLOW',
    matchedRuleIds: ['small'],
    reason: 'allowed by rule small',
  },
  APPROVAL_REQUESTED: { approvalRequestId: 'a1', expiresAt: '2026-01-02T00:00:00.000Z' },
  APPROVAL_GRANTED: { approvalRequestId: 'a1', approverIds: ['bob', 'carol'] },
  APPROVAL_REJECTED: { approvalRequestId: 'a1', rejectedBy: 'bob' },
  APPROVAL_EXPIRED: { approvalRequestId: 'a1' },
  CANCEL_REQUESTED: { requestedBy: 'alice' },
  TRANSACTION_PREPARED: {
    transaction: {
      chainId: 31337,
      nonce: 0,
      from: ADDRESS,
      to: ADDRESS,
      value: 5n,
      data: '0x',
      gasLimit: 21000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
    },
  },
  AUTHORIZED: { proofId: 'p1', validUntil: '2026-01-01T00:05:00.000Z' },
  SIGNING_REQUESTED: { attempt: 1, proofId: 'p1', keyScheme: 'kms' },
  SIGNING_VOIDED: { attempt: 1, jobId: 'tx-1:1:p1', reason: 'no host claimed the job' },
  SIGNED: { attempt: 1, txHash: TX_HASH },
  BROADCAST_ACCEPTED: { attempt: 1, txHash: TX_HASH },
  CONFIRMATION_OBSERVED: { txHash: TX_HASH, blockNumber: 10n, confirmations: 1 },
  REPLACEMENT_REQUESTED: { reason: 'STUCK', replacesAttempt: 1 },
  RECONCILIATION_REQUIRED: { reason: 'broadcast outcome unknown' },
  CONFIRMED: { txHash: TX_HASH, blockNumber: 10n, confirmations: 3, fee: 1n },
  CHAIN_OUTCOME: { outcome: { kind: 'CANCELLATION_MINED', txHash: OTHER_HASH, blockNumber: 11n, fee: 1n } },
  FUNDS_RELEASED: { reason: 'compensation' },
  REJECTED: { stage: 'POLICY', reason: 'blocked', ruleIds: ['deny'] },
  EXPIRED: { reason: 'approval timed out' },
  CANCELLED: { reason: 'requested by alice' },
  FAILED: { stage: 'Sign', errorName: 'SignerUnavailable', reason: 'KMS throttled' },
};

type Step =
  TransferEventType | { [T in TransferEventType]: { type: T; data: Partial<TransferEventData[T]> } }[TransferEventType];

/** Builds a stream from event types (sample payloads) or {type, data} overrides, with seq 1..n. */
function stream(...steps: Step[]): TransferEvent[] {
  return steps.map((step, i) => {
    const type = typeof step === 'string' ? step : step.type;
    const data = typeof step === 'string' ? SAMPLE[type] : { ...SAMPLE[type], ...step.data };
    return {
      transferId: 'tx-1',
      seq: i + 1,
      type,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      actor: 'test',
      data,
    } as TransferEvent;
  });
}

const UNTIL_QUEUED: Step[] = [
  'SUBMITTED',
  'EXECUTION_STARTED',
  'SCREENING_STARTED',
  'SCREENING_CLEARED',
  'POLICY_EVALUATED',
];
const UNTIL_SIGNING: Step[] = [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', 'SIGNING_REQUESTED'];
const UNTIL_CONFIRMING: Step[] = [...UNTIL_SIGNING, 'SIGNED', 'BROADCAST_ACCEPTED'];

function refusal(steps: Step[]): unknown {
  try {
    foldTransferEvents(stream(...steps));
  } catch (error) {
    return error;
  }
  throw new Error('expected the stream to be refused');
}

function expectIllegal(steps: Step[], reason: RegExp): void {
  const error = refusal(steps);
  expect(error).toBeInstanceOf(IllegalTransitionError);
  expect((error as IllegalTransitionError).code).toBe('LIFECYCLE.ILLEGAL_TRANSITION');
  expect((error as IllegalTransitionError).name).toBe('IllegalTransitionError');
  expect((error as IllegalTransitionError).message).toMatch(reason);
}

describe('transfer lifecycle: the paths that complete', () => {
  it('an auto-allowed transfer goes through every status to COMPLETED', () => {
    const statuses = stream(...UNTIL_CONFIRMING, 'CONFIRMATION_OBSERVED', 'CONFIRMED').reduce<TransferState[]>(
      (states, event) => [...states, applyTransferEvent(states[states.length - 1], event)],
      [],
    );
    expect(statuses.map((s) => s.status)).toEqual([
      'SUBMITTED',
      'SUBMITTED',
      'PENDING_SCREENING',
      'PENDING_SCREENING',
      'QUEUED',
      'QUEUED',
      'PENDING_SIGNATURE',
      'PENDING_SIGNATURE',
      'BROADCASTING',
      'CONFIRMING',
      'CONFIRMING',
      'COMPLETED',
    ]);
    const final = statuses[statuses.length - 1]!;
    expect(final.confirmed?.txHash).toBe(TX_HASH);
    expect(final.attempts).toEqual([{ attempt: 1, proofId: 'p1', keyScheme: 'kms', txHash: TX_HASH, broadcast: true }]);
    expect(final.seq).toBe(12);
  });

  it('an approval-required transfer waits in PENDING_AUTHORIZATION and is QUEUED once granted', () => {
    const waiting = foldTransferEvents(
      stream(
        'SUBMITTED',
        'SCREENING_STARTED',
        'SCREENING_CLEARED',
        { type: 'POLICY_EVALUATED', data: { action: 'REQUIRE_APPROVAL' } },
        'APPROVAL_REQUESTED',
      ),
    );
    expect(waiting.status).toBe('PENDING_AUTHORIZATION');
    const granted = applyTransferEvent(waiting, stream(...Array<Step>(5).fill('SUBMITTED'), 'APPROVAL_GRANTED')[5]!);
    expect(granted.status).toBe('QUEUED');
    expect(granted.approverIds).toEqual(['bob', 'carol']);
  });

  it('a stuck transaction is replaced through a new authorization and the replacement may confirm', () => {
    const state = foldTransferEvents(
      stream(
        ...UNTIL_CONFIRMING,
        'REPLACEMENT_REQUESTED',
        { type: 'AUTHORIZED', data: { proofId: 'p2' } },
        { type: 'SIGNING_REQUESTED', data: { attempt: 2, proofId: 'p2' } },
        { type: 'SIGNED', data: { attempt: 2, txHash: OTHER_HASH } },
        { type: 'BROADCAST_ACCEPTED', data: { attempt: 2, txHash: OTHER_HASH } },
        { type: 'CONFIRMED', data: { txHash: OTHER_HASH } },
      ),
    );
    expect(state.status).toBe('COMPLETED');
    expect(state.attempts.map((a) => a.txHash)).toEqual([TX_HASH, OTHER_HASH]);
  });

  it('the original mining instead of its replacement still completes the transfer', () => {
    const state = foldTransferEvents(
      stream(
        ...UNTIL_CONFIRMING,
        'REPLACEMENT_REQUESTED',
        { type: 'AUTHORIZED', data: { proofId: 'p2' } },
        { type: 'SIGNING_REQUESTED', data: { attempt: 2, proofId: 'p2' } },
        { type: 'SIGNED', data: { attempt: 2, txHash: OTHER_HASH } },
        { type: 'CONFIRMED', data: { txHash: TX_HASH } },
      ),
    );
    expect(state.status).toBe('COMPLETED');
    expect(state.confirmed?.txHash).toBe(TX_HASH);
  });
});

describe('transfer lifecycle: failures before signing release funds', () => {
  it.each<[string, Step[], string]>([
    [
      'a screening hit',
      ['SUBMITTED', 'SCREENING_STARTED', 'SCREENING_HIT', { type: 'REJECTED', data: { stage: 'SCREENING' } }] as Step[],
      'REJECTED',
    ],
    [
      'a policy block',
      [
        'SUBMITTED',
        'SCREENING_STARTED',
        'SCREENING_CLEARED',
        { type: 'POLICY_EVALUATED', data: { action: 'BLOCK' } },
        'REJECTED',
      ] as Step[],
      'REJECTED',
    ],
    [
      'an expired approval',
      [
        'SUBMITTED',
        'SCREENING_STARTED',
        'SCREENING_CLEARED',
        { type: 'POLICY_EVALUATED', data: { action: 'REQUIRE_APPROVAL' } },
        'APPROVAL_REQUESTED',
        'APPROVAL_EXPIRED',
        'EXPIRED',
      ] as Step[],
      'EXPIRED',
    ],
    [
      'a cancellation while waiting',
      [
        'SUBMITTED',
        'SCREENING_STARTED',
        'SCREENING_CLEARED',
        { type: 'POLICY_EVALUATED', data: { action: 'REQUIRE_APPROVAL' } },
        'APPROVAL_REQUESTED',
        'CANCEL_REQUESTED',
        'CANCELLED',
      ] as Step[],
      'CANCELLED',
    ],
    ['a preparation failure', [...UNTIL_QUEUED, 'FAILED'], 'FAILED'],
    [
      'a failure after authorization but before any signing attempt',
      [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', 'FAILED'],
      'FAILED',
    ],
  ])('%s ends in its status and the funds may be released once', (_name, steps, status) => {
    const state = foldTransferEvents(stream(...steps, 'FUNDS_RELEASED'));
    expect(state.status).toBe(status);
    expect(state.fundsReleased).toBe(true);
    expectIllegal([...steps, 'FUNDS_RELEASED', 'FUNDS_RELEASED'], /released already/);
  });
});

describe('transfer lifecycle: once a signing attempt exists, only the chain releases funds', () => {
  it.each([
    ['FUNDS_RELEASED', 'a signing request', UNTIL_SIGNING],
    ['FAILED', 'a signing request', UNTIL_SIGNING],
    ['FAILED', 'a broadcast', UNTIL_CONFIRMING],
    ['FUNDS_RELEASED', 'a broadcast', UNTIL_CONFIRMING],
  ] as const)('%s is refused after %s', (type, _after, before) => {
    expectIllegal([...before, type], /chain outcome/);
  });

  it('a cancellation after signing needs our cancellation to be mined first', () => {
    expectIllegal([...UNTIL_CONFIRMING, 'CANCEL_REQUESTED', 'CANCELLED'], /chain outcome/);
    const state = foldTransferEvents(
      stream(...UNTIL_CONFIRMING, 'CANCEL_REQUESTED', 'CHAIN_OUTCOME', 'CANCELLED', 'FUNDS_RELEASED'),
    );
    expect(state.status).toBe('CANCELLED');
    expect(state.fundsReleased).toBe(true);
  });

  it('a failure after signing is allowed once every attempt is proven invalid', () => {
    const state = foldTransferEvents(
      stream(
        ...UNTIL_SIGNING,
        {
          type: 'CHAIN_OUTCOME',
          data: { outcome: { kind: 'ATTEMPTS_INVALIDATED', evidence: 'nonce 0 mined by fill tx' } },
        },
        'FAILED',
        'FUNDS_RELEASED',
      ),
    );
    expect(state.status).toBe('FAILED');
    expect(mayReleaseFunds(state)).toBe(false);
  });

  it('a chain outcome cannot be recorded before any signing attempt', () => {
    expectIllegal([...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', 'CHAIN_OUTCOME'], /no signing attempt/);
  });

  it('a completed transfer never releases its funds, but may be flagged for reconciliation', () => {
    const completed: Step[] = [...UNTIL_CONFIRMING, 'CONFIRMED'];
    expectIllegal([...completed, 'FUNDS_RELEASED'], /completed transfer/);
    expect(foldTransferEvents(stream(...completed, 'RECONCILIATION_REQUIRED')).reconciliation).toEqual([
      'broadcast outcome unknown',
    ]);
  });
});

describe('transfer lifecycle: an enclave attempt proved unsigned (SIGNING_VOIDED)', () => {
  const ENCLAVE_SIGNING: Step[] = [
    ...UNTIL_QUEUED,
    'TRANSACTION_PREPARED',
    'AUTHORIZED',
    { type: 'SIGNING_REQUESTED', data: { keyScheme: 'enclave' } },
  ];

  it('counts as never made: the transfer may fail and release its funds without a chain outcome', () => {
    const state = foldTransferEvents(stream(...ENCLAVE_SIGNING, 'SIGNING_VOIDED', 'FAILED', 'FUNDS_RELEASED'));
    expect(state.status).toBe('FAILED');
    expect(state.fundsReleased).toBe(true);
    expect(state.attempts).toEqual([expect.objectContaining({ attempt: 1, voided: true })]);
  });

  it('lets a cancellation fill the nonce with a new proof and attempt', () => {
    const state = foldTransferEvents(
      stream(
        ...ENCLAVE_SIGNING,
        'SIGNING_VOIDED',
        { type: 'REPLACEMENT_REQUESTED', data: { reason: 'CANCEL', replacesAttempt: 0 } },
        { type: 'AUTHORIZED', data: { proofId: 'p2' } },
        { type: 'SIGNING_REQUESTED', data: { attempt: 2, proofId: 'p2', keyScheme: 'enclave' } },
      ),
    );
    expect(state.attempts.map((a) => [a.attempt, a.voided === true])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(mayReleaseFunds(state)).toBe(false);
  });

  it.each<[string, Step[], RegExp]>([
    ['a kms attempt (only the chain can end it)', [...UNTIL_SIGNING, 'SIGNING_VOIDED'], /cannot be proved unsigned/],
    ['a signed attempt', [...ENCLAVE_SIGNING, 'SIGNED', 'SIGNING_VOIDED'], /not allowed in status BROADCASTING/],
    ['twice', [...ENCLAVE_SIGNING, 'SIGNING_VOIDED', 'SIGNING_VOIDED'], /voided already/],
    [
      'another attempt',
      [...ENCLAVE_SIGNING, { type: 'SIGNING_VOIDED', data: { attempt: 2 } }],
      /no such signing attempt/,
    ],
    ['a signature after the void', [...ENCLAVE_SIGNING, 'SIGNING_VOIDED', 'SIGNED'], /voided: no signature/],
    [
      'before any attempt',
      [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', 'SIGNING_VOIDED'],
      /no such signing attempt/,
    ],
  ])('is refused for %s', (_name, steps, reason) => {
    expectIllegal(steps, reason);
  });
});

describe('transfer lifecycle: illegal transitions', () => {
  it.each<[string, Step[], RegExp]>([
    ['signing before authorization', [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'SIGNING_REQUESTED'], /status QUEUED/],
    ['authorization before preparation', [...UNTIL_QUEUED, 'AUTHORIZED'], /no prepared transaction/],
    ['confirmation of a queued transfer', [...UNTIL_QUEUED, 'CONFIRMED'], /status QUEUED/],
    [
      'policy before screening cleared',
      ['SUBMITTED', 'SCREENING_STARTED', 'POLICY_EVALUATED'],
      /screening has not cleared/,
    ],
    ['a second execution start', ['SUBMITTED', 'EXECUTION_STARTED', 'EXECUTION_STARTED'], /started already/],
    ['a second nonce', [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'TRANSACTION_PREPARED'], /set once/],
    [
      'a grant for another approval request',
      [
        'SUBMITTED',
        'SCREENING_STARTED',
        'SCREENING_CLEARED',
        { type: 'POLICY_EVALUATED', data: { action: 'REQUIRE_APPROVAL' } },
        'APPROVAL_REQUESTED',
        { type: 'APPROVAL_GRANTED', data: { approvalRequestId: 'other' } },
      ],
      /no such approval request/,
    ],
    ['an approval of an auto-allowed transfer', [...UNTIL_QUEUED, 'APPROVAL_GRANTED'], /status QUEUED/],
    ['a cancellation that nobody requested', [...UNTIL_QUEUED, 'CANCELLED'], /no cancellation was requested/],
    [
      'preparing after a cancellation request',
      [...UNTIL_QUEUED, 'CANCEL_REQUESTED', 'TRANSACTION_PREPARED'],
      /cancellation has been requested/,
    ],
    [
      'authorizing after a cancellation request',
      [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'CANCEL_REQUESTED', 'AUTHORIZED'],
      /cancellation has been requested/,
    ],
    [
      'signing with a stale proof',
      [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', { type: 'SIGNING_REQUESTED', data: { proofId: 'p0' } }],
      /latest authorization/,
    ],
    [
      'skipping an attempt number',
      [...UNTIL_QUEUED, 'TRANSACTION_PREPARED', 'AUTHORIZED', { type: 'SIGNING_REQUESTED', data: { attempt: 2 } }],
      /next attempt is 1/,
    ],
    [
      'a broadcast of a hash we did not sign',
      [...UNTIL_SIGNING, 'SIGNED', { type: 'BROADCAST_ACCEPTED', data: { txHash: OTHER_HASH } }],
      /not the one this attempt signed/,
    ],
    [
      'a confirmation of a foreign hash',
      [...UNTIL_CONFIRMING, { type: 'CONFIRMED', data: { txHash: OTHER_HASH } }],
      /none of our signed attempts/,
    ],
    [
      're-authorizing without a replacement request',
      [...UNTIL_CONFIRMING, { type: 'AUTHORIZED', data: { proofId: 'p2' } }],
      /replacement must be requested/,
    ],
    ['any step after completion', [...UNTIL_CONFIRMING, 'CONFIRMED', 'CANCEL_REQUESTED'], /status COMPLETED/],
    ['leaving a terminal failure', [...UNTIL_QUEUED, 'FAILED', 'TRANSACTION_PREPARED'], /status FAILED/],
    ['expiring an auto-allowed transfer', [...UNTIL_QUEUED, 'EXPIRED'], /status QUEUED/],
    ['a second cancellation request', [...UNTIL_QUEUED, 'CANCEL_REQUESTED', 'CANCEL_REQUESTED'], /requested already/],
    ['a second submission', ['SUBMITTED', 'SUBMITTED'], /submitted once/],
  ])('%s is refused', (_name, steps, reason) => expectIllegal(steps, reason));

  it('refuses a gap or a repeat in the sequence', () => {
    const [first, second] = stream('SUBMITTED', 'SCREENING_STARTED');
    const state = applyTransferEvent(undefined, first!);
    expect(() => applyTransferEvent(state, { ...second!, seq: 3 })).toThrow(/expected seq 2, got 3/);
    expect(() => applyTransferEvent(state, { ...second!, seq: 1 })).toThrow(StrongroomError);
  });

  it('refuses a stream that does not start with SUBMITTED and an event of another transfer', () => {
    expect(() => foldTransferEvents(stream('SCREENING_STARTED'))).toThrow(/starts with SUBMITTED/);
    expect(() => foldTransferEvents([])).toThrow(/at least its SUBMITTED/);
    const [first, second] = stream('SUBMITTED', 'SCREENING_STARTED');
    expect(() => applyTransferEvent(applyTransferEvent(undefined, first!), { ...second!, transferId: 'tx-2' })).toThrow(
      /applied to tx-1/,
    );
  });
});

describe('transfer lifecycle: properties', () => {
  const TYPES = Object.keys(SAMPLE).filter((t) => t !== 'SUBMITTED') as Exclude<TransferEventType, 'SUBMITTED'>[];

  it('whatever is appended, funds are never released after signing without a chain outcome, and terminal states stay terminal', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TYPES), { maxLength: 40 }), (types) => {
        let state = foldTransferEvents(stream('SUBMITTED'));
        for (const type of types) {
          const event = stream(...Array<Step>(state.seq).fill('SUBMITTED'), type)[state.seq]!;
          const before = state;
          try {
            state = applyTransferEvent(state, event);
          } catch (error) {
            expect(error).toBeInstanceOf(StrongroomError);
            continue;
          }
          if (type === 'FUNDS_RELEASED' && before.attempts.length > 0) expect(before.chainOutcome).toBeDefined();
          if (['FAILED', 'CANCELLED', 'REJECTED'].includes(type) && before.attempts.length > 0)
            expect(before.chainOutcome).toBeDefined();
          if (before.status === 'COMPLETED') expect(state.status).toBe('COMPLETED');
          if (['REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED'].includes(before.status))
            expect(state.status).toBe(before.status);
          if (state.status === 'COMPLETED') expect(state.fundsReleased).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
