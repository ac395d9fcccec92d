import { isNative } from '../asset';
import { LedgerInvariantError } from '../errors';
import { isWalletBucket } from './account-state';
import { accountKey } from './ledger-account';
import {
  changesByAccount,
  exposureOf,
  isOutflowPosting,
  isTransferPosting,
  MAX_ACCOUNTS_PER_POSTING,
  postingId,
  subjectIdOf,
  type CounterIncrement,
  type Leg,
  type Posting,
} from './posting';

const invalid = (posting: Posting, reason: string): LedgerInvariantError =>
  new LedgerInvariantError('LEDGER.INVALID_POSTING', `posting ${posting.id}: ${reason}`, {
    details: { postingId: posting.id },
  });

/** Why a leg is malformed, or undefined. */
function legProblem(leg: Leg): string | undefined {
  const where = `${accountKey(leg.account)}/${leg.bucket}`;
  if (leg.amount === 0n) return `${where} has a zero leg`;
  if (leg.account.kind === 'fees' && !isNative(leg.account.asset))
    return `${where}: fees are paid in the native asset only`;
  const walletBucket = isWalletBucket(leg.bucket);
  return walletBucket === (leg.account.kind === 'wallet')
    ? undefined
    : `${where}: ${leg.account.kind} accounts have no such bucket`;
}

function counterProblem(posting: Posting, counter: CounterIncrement): string | undefined {
  if (counter.account.kind !== 'wallet') return `${accountKey(counter.account)} has no outflow counters`;
  if (counter.amount <= 0n) return `${accountKey(counter.account)}/${counter.counter} must increase`;
  // Only a reservation reserves outflow, and its entry stamps lastReservedAt: so an account whose last
  // reservation came before a window's start reserved nothing in that window (what velocity reads skip on).
  return counter.counter === 'outflowReserved' && posting.type !== 'RESERVE'
    ? `${accountKey(counter.account)}/outflowReserved grows only by a reservation`
    : undefined;
}

/** The assets whose legs do not sum to zero. */
function unbalancedAssets(legs: readonly Leg[]): string[] {
  const sums = new Map<string, bigint>();
  for (const leg of legs) sums.set(leg.account.asset, (sums.get(leg.account.asset) ?? 0n) + leg.amount);
  return [...sums].filter(([, sum]) => sum !== 0n).map(([asset]) => asset);
}

function subjectOf(posting: Posting): readonly [string, readonly bigint[]] {
  if (isTransferPosting(posting))
    return [
      posting.reservation.transferId,
      [posting.reservation.amount, posting.reservation.feeAllowance, exposureOf(posting.reservation)],
    ];
  if (isOutflowPosting(posting)) return [posting.outflow.outflowId, [posting.outflow.amount]];
  return [posting.deposit.depositId, [posting.deposit.amount]];
}

function subjectProblem(posting: Posting): string | undefined {
  const [subjectId, amounts] = subjectOf(posting);
  if (subjectId !== subjectIdOf(posting)) return 'its subject id differs from its reservation, deposit or outflow';
  if (posting.id !== postingId(subjectId, posting.type)) return `its id must be ${postingId(subjectId, posting.type)}`;
  if (amounts.some((a) => a < 0n)) return 'amounts are never negative';
  // An outflow of nothing is no outflow: booking it would write entries that move nothing.
  return isOutflowPosting(posting) && posting.outflow.amount === 0n ? 'an unexplained outflow is positive' : undefined;
}

/**
 * Refuses a posting that could break the ledger whatever the state: a wrong id, a zero or misplaced leg,
 * a counter that would decrease, an asset whose legs do not sum to zero, too many accounts.
 */
export function validatePosting(posting: Posting): void {
  const problem =
    subjectProblem(posting) ??
    posting.legs.map(legProblem).find((p) => p !== undefined) ??
    posting.counters.map((c) => counterProblem(posting, c)).find((p) => p !== undefined);
  if (problem !== undefined) throw invalid(posting, problem);
  const unbalanced = unbalancedAssets(posting.legs);
  if (unbalanced.length > 0) throw invalid(posting, `legs of ${unbalanced.join(', ')} do not sum to zero`);
  const accounts = changesByAccount(posting).length;
  if (accounts > MAX_ACCOUNTS_PER_POSTING)
    throw invalid(posting, `touches ${accounts} accounts, at most ${MAX_ACCOUNTS_PER_POSTING}`);
}
