import { IllegalTransitionError, StrongroomError } from '../errors';
import {
  TERMINAL_STATUSES,
  type TransferEvent,
  type TransferEventOf,
  type TransferEventType,
  type TransferStatus,
} from './transfer-events';
import { FENCED_KEY_SCHEMES } from './signing-scheme';
import { mayReleaseFunds, signingStarted, type SigningAttempt, type TransferState } from './transfer-state';

type From = readonly TransferStatus[] | 'open' | 'any';

interface Transition<T extends TransferEventType> {
  /** The statuses this event may be appended in: a list, every non-terminal one, or any. */
  readonly from: From;
  /** Why the event is refused even in an allowed status; undefined when it is allowed. */
  readonly guard?: (state: TransferState, event: TransferEventOf<T>) => string | undefined;
  /** The status after the event; the current one when absent. */
  readonly to?: TransferStatus | ((state: TransferState, event: TransferEventOf<T>) => TransferStatus);
  /** The rest of the state the event sets. */
  readonly reduce?: (state: TransferState, event: TransferEventOf<T>) => Partial<TransferState>;
}

const afterSigningNeedsChainOutcome = (state: TransferState): string | undefined =>
  signingStarted(state) && state.chainOutcome === undefined
    ? 'a signing attempt exists: only a chain outcome (our cancellation mined, or every attempt invalidated) can end it'
    : undefined;

const lastAttempt = (state: TransferState): SigningAttempt | undefined => state.attempts[state.attempts.length - 1];

const isOurHash = (state: TransferState, txHash: string): boolean =>
  state.attempts.some((a) => a.txHash !== undefined && a.txHash.toLowerCase() === txHash.toLowerCase());

const replaceAttempt = (
  state: TransferState,
  attempt: number,
  change: Partial<SigningAttempt>,
): readonly SigningAttempt[] => state.attempts.map((a) => (a.attempt === attempt ? { ...a, ...change } : a));

/**
 * The transfer lifecycle (ARCHITECTURE.md §4) as a transition table: for each event, where it may be
 * appended, what must hold, and what it changes. Anything not in the table is an illegal transition.
 */
const TRANSITIONS: { readonly [T in Exclude<TransferEventType, 'SUBMITTED'>]: Transition<T> } = {
  EXECUTION_STARTED: {
    from: ['SUBMITTED'],
    guard: (s) => (s.executionName !== undefined ? 'the execution has started already' : undefined),
    reduce: (_s, e) => ({ executionName: e.data.executionName }),
  },
  SCREENING_STARTED: { from: ['SUBMITTED'], to: 'PENDING_SCREENING' },
  SCREENING_CLEARED: {
    from: ['PENDING_SCREENING'],
    guard: (s) => (s.screening !== undefined ? 'screening has a result already' : undefined),
    reduce: () => ({ screening: 'CLEARED' }),
  },
  SCREENING_HIT: {
    from: ['PENDING_SCREENING'],
    guard: (s) => (s.screening !== undefined ? 'screening has a result already' : undefined),
    reduce: () => ({ screening: 'HIT' }),
  },
  POLICY_EVALUATED: {
    // First in EvaluatePolicy after screening; again in Authorize, just before a proof is signed
    // (PENDING_SIGNATURE when an expired, unused proof is issued again).
    from: ['PENDING_SCREENING', 'QUEUED', 'PENDING_SIGNATURE'],
    guard: (s) =>
      s.status === 'PENDING_SCREENING' && s.screening !== 'CLEARED'
        ? 'screening has not cleared the transfer'
        : undefined,
    to: (s, e) => {
      if (s.status !== 'PENDING_SCREENING') return s.status;
      if (e.data.action === 'ALLOW') return 'QUEUED';
      return e.data.action === 'REQUIRE_APPROVAL' ? 'PENDING_AUTHORIZATION' : s.status;
    },
    reduce: (_s, e) => ({ policy: e.data }),
  },
  APPROVAL_REQUESTED: {
    from: ['PENDING_AUTHORIZATION'],
    guard: (s) => (s.approvalRequestId !== undefined ? 'an approval has been requested already' : undefined),
    reduce: (_s, e) => ({ approvalRequestId: e.data.approvalRequestId }),
  },
  APPROVAL_GRANTED: {
    from: ['PENDING_AUTHORIZATION'],
    guard: (s, e) =>
      s.approvalRequestId !== e.data.approvalRequestId ? 'no such approval request for this transfer' : undefined,
    to: 'QUEUED',
    reduce: (_s, e) => ({ approverIds: e.data.approverIds }),
  },
  APPROVAL_REJECTED: {
    from: ['PENDING_AUTHORIZATION'],
    guard: (s, e) =>
      s.approvalRequestId !== e.data.approvalRequestId ? 'no such approval request for this transfer' : undefined,
  },
  APPROVAL_EXPIRED: {
    from: ['PENDING_AUTHORIZATION'],
    guard: (s, e) =>
      s.approvalRequestId !== e.data.approvalRequestId ? 'no such approval request for this transfer' : undefined,
  },
  CANCEL_REQUESTED: {
    from: 'open',
    guard: (s) => (s.cancelRequested !== undefined ? 'cancellation has been requested already' : undefined),
    reduce: (_s, e) => ({ cancelRequested: { by: e.data.requestedBy, at: e.at } }),
  },
  TRANSACTION_PREPARED: {
    from: ['QUEUED'],
    guard: (s, e) => {
      if (s.transaction !== undefined) return 'the transaction is prepared already: its nonce is set once';
      if (s.cancelRequested !== undefined) return 'cancellation has been requested';
      return e.data.transaction.chainId !== s.chainId ? 'the transaction is for another chain' : undefined;
    },
    reduce: (_s, e) => ({ transaction: e.data.transaction }),
  },
  AUTHORIZED: {
    // QUEUED for the first attempt; PENDING_SIGNATURE when an unused proof is issued again (it expired
    // before a signer used it); CONFIRMING/BROADCASTING when a stuck one is replaced.
    from: ['QUEUED', 'PENDING_SIGNATURE', 'BROADCASTING', 'CONFIRMING'],
    guard: (s) => {
      if (s.transaction === undefined) return 'no prepared transaction to authorize';
      if (s.replacementRequested) return undefined;
      if (s.status === 'QUEUED') return s.cancelRequested !== undefined ? 'cancellation has been requested' : undefined;
      if (s.status === 'PENDING_SIGNATURE')
        return s.attempts.some((a) => a.proofId === s.proofId)
          ? 'the current proof has been used: request a replacement'
          : undefined;
      return 'a replacement must be requested first';
    },
    to: 'PENDING_SIGNATURE',
    reduce: (s, e) => ({
      proofId: e.data.proofId,
      replacementRequested: false,
      authorizedTransaction: e.data.transaction ?? s.transaction,
    }),
  },
  SIGNING_REQUESTED: {
    from: ['PENDING_SIGNATURE'],
    guard: (s, e) => {
      if (s.proofId !== e.data.proofId) return 'signing needs the proof of the latest authorization';
      if (s.attempts.some((a) => a.proofId === e.data.proofId))
        return 'this proof has been used for an attempt already';
      return e.data.attempt !== s.attempts.length + 1 ? `the next attempt is ${s.attempts.length + 1}` : undefined;
    },
    reduce: (s, e) => ({
      attempts: [
        ...s.attempts,
        { attempt: e.data.attempt, proofId: e.data.proofId, keyScheme: e.data.keyScheme, broadcast: false },
      ],
    }),
  },
  SIGNING_VOIDED: {
    from: ['PENDING_SIGNATURE'],
    guard: (s, e) => {
      const last = lastAttempt(s);
      if (last === undefined || last.attempt !== e.data.attempt) return 'no such signing attempt in progress';
      if (last.txHash !== undefined) return 'this attempt is signed: it can only be replaced on chain';
      if (last.voided === true) return 'this attempt is voided already';
      return FENCED_KEY_SCHEMES.has(last.keyScheme)
        ? undefined
        : `a ${last.keyScheme} attempt cannot be proved unsigned: only the chain can end it`;
    },
    reduce: (s, e) => ({ attempts: replaceAttempt(s, e.data.attempt, { voided: true }) }),
  },
  SIGNED: {
    from: ['PENDING_SIGNATURE'],
    guard: (s, e) => {
      const last = lastAttempt(s);
      if (last === undefined || last.attempt !== e.data.attempt) return 'no such signing attempt in progress';
      if (last.voided === true) return 'this attempt is voided: no signature is recorded for it';
      return last.txHash !== undefined ? 'this attempt is signed already' : undefined;
    },
    to: 'BROADCASTING',
    reduce: (s, e) => ({
      attempts: replaceAttempt(s, e.data.attempt, {
        txHash: e.data.txHash,
        ...(e.data.rawTransaction === undefined ? {} : { rawTransaction: e.data.rawTransaction }),
        ...(e.data.transaction === undefined ? {} : { transaction: e.data.transaction }),
      }),
    }),
  },
  BROADCAST_ACCEPTED: {
    from: ['BROADCASTING', 'CONFIRMING'],
    guard: (s, e) => {
      const attempt = s.attempts.find((a) => a.attempt === e.data.attempt);
      if (attempt?.txHash === undefined) return 'no signed attempt with that number';
      return attempt.txHash.toLowerCase() === e.data.txHash.toLowerCase()
        ? undefined
        : 'the hash is not the one this attempt signed';
    },
    to: 'CONFIRMING',
    reduce: (s, e) => ({ attempts: replaceAttempt(s, e.data.attempt, { broadcast: true }) }),
  },
  CONFIRMATION_OBSERVED: {
    from: ['BROADCASTING', 'CONFIRMING'],
    guard: (s, e) => (isOurHash(s, e.data.txHash) ? undefined : 'the hash is none of our signed attempts'),
    to: 'CONFIRMING',
    reduce: (_s, e) => ({ latestConfirmation: e.data }),
  },
  REPLACEMENT_REQUESTED: {
    from: ['QUEUED', 'PENDING_SIGNATURE', 'BROADCASTING', 'CONFIRMING'],
    guard: (s, e) => {
      if (s.replacementRequested) return 'a replacement has been requested already';
      if (e.data.replacesAttempt === 0) {
        // A prepared nonce that no attempt ever signed, filled by a cancellation.
        if (s.transaction === undefined) return 'no prepared nonce to fill';
        if (e.data.reason !== 'CANCEL') return 'an unsigned nonce can only be filled by a cancellation';
        return s.attempts.some((a) => a.txHash !== undefined) ? 'a signed attempt exists: replace that one' : undefined;
      }
      if (s.status === 'QUEUED' || s.status === 'PENDING_SIGNATURE') return 'nothing has been signed to replace';
      return s.attempts.some((a) => a.attempt === e.data.replacesAttempt && a.txHash !== undefined)
        ? undefined
        : 'no signed attempt to replace';
    },
    reduce: (_s, e) => ({
      replacementRequested: true,
      ...(e.data.failure === undefined ? {} : { pendingFailure: e.data.failure }),
      ...(e.data.reason === 'CANCEL' ? { cancelling: true } : {}),
    }),
  },
  RECONCILIATION_REQUIRED: {
    from: 'any',
    reduce: (s, e) => ({ reconciliation: [...s.reconciliation, e.data.reason] }),
  },
  CONFIRMED: {
    from: ['BROADCASTING', 'CONFIRMING'],
    guard: (s, e) => (isOurHash(s, e.data.txHash) ? undefined : 'the hash is none of our signed attempts'),
    to: 'COMPLETED',
    reduce: (_s, e) => ({ confirmed: e.data }),
  },
  CHAIN_OUTCOME: {
    from: ['PENDING_SIGNATURE', 'BROADCASTING', 'CONFIRMING'],
    guard: (s) => {
      if (!signingStarted(s)) return 'no signing attempt exists: there is no chain outcome to record';
      return s.chainOutcome !== undefined ? 'the chain outcome is recorded already' : undefined;
    },
    reduce: (_s, e) => ({ chainOutcome: e.data.outcome }),
  },
  FUNDS_RELEASED: {
    from: 'any',
    guard: (s) => {
      if (s.status === 'COMPLETED') return 'a completed transfer has spent its funds';
      if (s.fundsReleased) return 'the funds are released already';
      return mayReleaseFunds(s) ? undefined : afterSigningNeedsChainOutcome(s);
    },
    reduce: () => ({ fundsReleased: true }),
  },
  REJECTED: {
    from: ['PENDING_SCREENING', 'PENDING_AUTHORIZATION', 'QUEUED'],
    guard: afterSigningNeedsChainOutcome,
    to: 'REJECTED',
    reduce: (_s, e) => ({ rejection: e.data }),
  },
  EXPIRED: { from: ['PENDING_AUTHORIZATION'], to: 'EXPIRED' },
  CANCELLED: {
    from: 'open',
    guard: (s) =>
      s.cancelRequested === undefined ? 'no cancellation was requested' : afterSigningNeedsChainOutcome(s),
    to: 'CANCELLED',
  },
  FAILED: {
    from: 'open',
    guard: afterSigningNeedsChainOutcome,
    to: 'FAILED',
    reduce: (_s, e) => ({ failure: e.data }),
  },
};

/** Whether `event` may follow `state`; the reason when it may not. */
export function transitionRefusal(state: TransferState, event: TransferEvent): string | undefined {
  if (event.type === 'SUBMITTED') return 'a transfer is submitted once';
  const transition = TRANSITIONS[event.type] as Transition<typeof event.type>;
  if (!statusAllowed(transition.from, state.status)) return `not allowed in status ${state.status}`;
  return transition.guard?.(state, event as never);
}

function statusAllowed(from: From, status: TransferStatus): boolean {
  if (from === 'any') return true;
  if (from === 'open') return !TERMINAL_STATUSES.has(status);
  return from.includes(status);
}

/**
 * Applies one event to a transfer's state. The first event must be SUBMITTED with seq 1; each next
 * one carries the next seq. An event the table does not allow throws {@link IllegalTransitionError}.
 */
export function applyTransferEvent(state: TransferState | undefined, event: TransferEvent): TransferState {
  if (state === undefined) return initialState(event);
  if (event.transferId !== state.id)
    throw invalidEvent(`event for transfer ${event.transferId} applied to ${state.id}`, event);
  if (event.seq !== state.seq + 1) throw invalidEvent(`expected seq ${state.seq + 1}, got ${event.seq}`, event);
  const refusal = transitionRefusal(state, event);
  if (refusal !== undefined) {
    throw new IllegalTransitionError(
      'LIFECYCLE.ILLEGAL_TRANSITION',
      `${event.type} refused for transfer ${state.id}: ${refusal}`,
      {
        details: { transferId: state.id, status: state.status, event: event.type, reason: refusal },
      },
    );
  }
  const transition = TRANSITIONS[
    event.type as Exclude<TransferEventType, 'SUBMITTED'>
  ] as Transition<TransferEventType>;
  const to =
    typeof transition.to === 'function' ? transition.to(state, event as never) : (transition.to ?? state.status);
  return { ...state, ...transition.reduce?.(state, event as never), status: to, seq: event.seq, updatedAt: event.at };
}

/** The state of a transfer from its whole event stream, in order. */
export function foldTransferEvents(events: readonly TransferEvent[]): TransferState {
  let state: TransferState | undefined;
  for (const event of events) state = applyTransferEvent(state, event);
  if (state === undefined)
    throw new StrongroomError('LIFECYCLE.INVALID_EVENT', 'a transfer has at least its SUBMITTED event');
  return state;
}

function initialState(event: TransferEvent): TransferState {
  if (event.type !== 'SUBMITTED' || event.seq !== 1)
    throw invalidEvent('a stream starts with SUBMITTED at seq 1', event);
  const d = event.data;
  return {
    id: event.transferId,
    seq: 1,
    status: 'SUBMITTED',
    submittedAt: event.at,
    updatedAt: event.at,
    walletId: d.walletId,
    ...(d.from === undefined ? {} : { from: d.from }),
    initiatorId: d.initiatorId,
    traceId: d.traceId,
    chainId: d.chainId,
    to: d.to,
    asset: d.asset,
    amount: d.amount,
    data: d.data,
    feeAllowance: d.feeAllowance,
    reserved: d.reserved,
    ...(d.exposure === undefined ? {} : { exposure: d.exposure }),
    ...(d.initiatorRoles === undefined ? {} : { initiatorRoles: d.initiatorRoles }),
    ...(d.note === undefined ? {} : { note: d.note }),
    ...(d.requestFingerprint === undefined ? {} : { requestFingerprint: d.requestFingerprint }),
    ...(d.reservationSnapshot === undefined ? {} : { reservationSnapshot: d.reservationSnapshot }),
    attempts: [],
    replacementRequested: false,
    fundsReleased: false,
    reconciliation: [],
  };
}

function invalidEvent(message: string, event: TransferEvent): StrongroomError {
  return new StrongroomError('LIFECYCLE.INVALID_EVENT', message, {
    details: { transferId: event.transferId, seq: event.seq, event: event.type },
  });
}
