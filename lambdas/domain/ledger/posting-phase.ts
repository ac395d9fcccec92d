import { LedgerInvariantError } from '../errors';
import {
  isTransferPosting,
  postingId,
  sameSubject,
  subjectIdOf,
  type Posting,
  type PostingType,
  type TransferPostingType,
} from './posting';

interface PhaseRule {
  /** The posting of the same transfer or deposit that must be recorded first. */
  readonly after?: PostingType;
  /** The posting of the same transfer or deposit that rules this one out. */
  readonly notAfter?: PostingType;
}

/**
 * Which posting may follow which, per transfer (reserved → broadcast → settled | cancelled, or
 * reserved → released) and per deposit (seen → confirmed | reorged). A phase is read from which posting
 * ids exist, so the store checks it with condition checks on posting markers instead of a global state;
 * a posting's own id existing already is a replay, decided before these rules.
 */
const PHASE_RULES: { readonly [T in PostingType]: PhaseRule } = {
  RESERVE: {},
  // Once broadcast, funds are never released on a guess (ARCHITECTURE.md §1.5): only the chain's
  // outcome (settle, or settle-cancelled) ends the reservation.
  RELEASE: { after: 'RESERVE', notAfter: 'BROADCAST' },
  BROADCAST: { after: 'RESERVE', notAfter: 'RELEASE' },
  SETTLE: { after: 'BROADCAST', notAfter: 'SETTLE_CANCELLED' },
  SETTLE_CANCELLED: { after: 'BROADCAST', notAfter: 'SETTLE' },
  DEPOSIT_SEEN: {},
  DEPOSIT_REORGED: { after: 'DEPOSIT_SEEN', notAfter: 'DEPOSIT_CONFIRMED' },
  DEPOSIT_CONFIRMED: { after: 'DEPOSIT_SEEN', notAfter: 'DEPOSIT_REORGED' },
  // One posting per outflow: it has no phases; booking it twice is a replay.
  UNEXPLAINED_OUTFLOW: {},
};

/** What must hold of the recorded postings before `posting` may be applied. */
export interface PhaseConditions {
  /** A posting id that must be recorded, with the same reservation or deposit as this posting. */
  readonly requires?: string;
  /** A posting id that must not be recorded. */
  readonly excludes?: string;
}

export function phaseConditions(posting: Posting): PhaseConditions {
  const { after, notAfter } = PHASE_RULES[posting.type];
  const subjectId = subjectIdOf(posting);
  return {
    ...(after === undefined ? {} : { requires: postingId(subjectId, after) }),
    ...(notAfter === undefined ? {} : { excludes: postingId(subjectId, notAfter) }),
  };
}

/**
 * The recorded postings a posting's phase expects, for planning it without reading them: neither itself
 * nor the posting it excludes, and the one it requires, as a stand-in with this posting's subject (and,
 * for a transfer, its reservation time). A store that plans on these must make its write fail unless
 * the recorded postings are so: its own marker absent, the excluded one absent, and the required one
 * present with the same subject and reservation time (`subjectDigest`). Undefined when the
 * expectation cannot be stated: a later phase of a transfer whose caller left out the reservation time,
 * which the planner takes from the recorded posting.
 */
export function expectedPostings(posting: Posting): ReadonlyMap<string, Posting> | undefined {
  const { after } = PHASE_RULES[posting.type];
  if (after === undefined) return new Map();
  if (isTransferPosting(posting) && posting.reservation.reservedAt === undefined) return undefined;
  const id = postingId(subjectIdOf(posting), after);
  // Only the id, the type and the subject are read of the stand-in; its legs are never applied.
  return new Map([[id, { ...posting, id, type: after } as Posting]]);
}

/**
 * Refuses a posting in the wrong phase (LEDGER.INVALID_PHASE), or one whose reservation or deposit
 * differs from the one recorded first (LEDGER.POSTING_CONFLICT): releasing other amounts than were
 * reserved would take funds another transfer holds.
 */
export function assertPhase(recorded: ReadonlyMap<string, Posting>, posting: Posting): void {
  const { requires, excludes } = phaseConditions(posting);
  const refuse = (reason: string, details: Record<string, string>): LedgerInvariantError =>
    new LedgerInvariantError('LEDGER.INVALID_PHASE', `posting ${posting.id} refused: ${reason}`, {
      details: { postingId: posting.id, ...details },
    });
  if (requires !== undefined) {
    const first = recorded.get(requires);
    if (first === undefined) throw refuse(`${requires} is not recorded`, { requires });
    if (!sameSubject(first, posting)) {
      throw new LedgerInvariantError(
        'LEDGER.POSTING_CONFLICT',
        `posting ${posting.id} refers to other amounts than ${requires}`,
        {
          details: { postingId: posting.id, recorded: requires },
        },
      );
    }
  }
  if (excludes !== undefined && recorded.has(excludes)) throw refuse(`${excludes} is recorded already`, { excludes });
}

/** Where a transfer's reservation stands. */
export type ReservationPhase = 'none' | 'reserved' | 'released' | 'broadcast' | 'settled' | 'cancelled';

// Latest phase first: the first posting found decides.
const PHASE_BY_POSTING: readonly (readonly [TransferPostingType, ReservationPhase])[] = [
  ['SETTLE', 'settled'],
  ['SETTLE_CANCELLED', 'cancelled'],
  ['RELEASE', 'released'],
  ['BROADCAST', 'broadcast'],
  ['RESERVE', 'reserved'],
];

/** The phase of a transfer's reservation, from which of its posting ids are recorded. */
export function reservationPhase(recorded: { has(id: string): boolean }, transferId: string): ReservationPhase {
  return PHASE_BY_POSTING.find(([type]) => recorded.has(postingId(transferId, type)))?.[1] ?? 'none';
}
