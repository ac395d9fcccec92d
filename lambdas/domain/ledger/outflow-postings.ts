import { LedgerInvariantError } from '../errors';
import { formatAmount } from '../money';
import type { WalletBalances } from './account-state';
import { externalAccount, walletAccount } from './ledger-account';
import { move, postingId, type Leg, type OutflowPosting, type UnexplainedOutflow } from './posting';

export type { UnexplainedOutflow } from './posting';

// An unexplained outflow: funds left a custody address on chain without a transfer of ours. They are
// gone whatever our books say, so the ledger follows the chain: the amount leaves the wallet account for
// the wallet's external account, from available first, then reserved, then pendingOut. Taking it from
// reserved or pendingOut leaves some transfer's reservation short (its later phases are refused as
// broken invariants); the wallet is frozen for exactly that reason. It is not an outflow of ours, so it
// moves no velocity counter: limits are about what the wallet's users send.

/** The buckets an unexplained outflow is taken from, in order. */
const DRAW_ORDER = ['available', 'reserved', 'pendingOut'] as const;

/**
 * The legs that take `outflow.amount` from the wallet's balances as they stand. Throws
 * LEDGER.INVALID_POSTING when the settled balance (available + reserved + pendingOut) cannot cover it:
 * the books then missed more than this outflow, and the caller records an exception instead.
 */
export function unexplainedOutflowLegs(outflow: UnexplainedOutflow, current: WalletBalances): Leg[] {
  const { outflowId, walletId, asset, amount } = outflow;
  if (amount > current.settled) {
    const shortfall = amount - current.settled;
    throw new LedgerInvariantError(
      'LEDGER.INVALID_POSTING',
      `unexplained outflow ${outflowId}: ${formatAmount(amount)} ${asset} left the chain, the ledger holds ${formatAmount(current.settled)} settled`,
      {
        details: {
          postingId: postingId(outflowId, 'UNEXPLAINED_OUTFLOW'),
          walletId,
          asset,
          amount: formatAmount(amount),
          settled: formatAmount(current.settled),
          shortfall: formatAmount(shortfall),
        },
      },
    );
  }
  const wallet = walletAccount(walletId, asset);
  const outside = externalAccount(walletId, asset);
  const legs: Leg[] = [];
  let rest = amount;
  for (const bucket of DRAW_ORDER) {
    const taken = current[bucket] < rest ? current[bucket] : rest;
    legs.push(...move(taken > 0n ? taken : 0n, [wallet, bucket], [outside, 'balance']));
    rest -= taken > 0n ? taken : 0n;
  }
  return legs;
}

/**
 * The posting that books an unexplained outflow (id `<outflowId>:unexplained-outflow`). The planner
 * splits it over the wallet account's buckets as they stand when it is applied; `current`, when given,
 * makes the proposed legs that split already (else they propose everything from available). Booking the
 * same outflow again is a replay whatever the balances are by then.
 */
export function unexplainedOutflowPosting(
  outflow: UnexplainedOutflow,
  at: Date,
  current?: WalletBalances,
): OutflowPosting {
  const { outflowId, walletId, asset, amount } = outflow;
  const legs =
    current === undefined
      ? move(amount, [walletAccount(walletId, asset), 'available'], [externalAccount(walletId, asset), 'balance'])
      : unexplainedOutflowLegs(outflow, current);
  return {
    id: postingId(outflowId, 'UNEXPLAINED_OUTFLOW'),
    type: 'UNEXPLAINED_OUTFLOW',
    outflowId,
    // Copied field by field: the posting is stored, so it must not carry whatever else the caller's object holds.
    outflow: { outflowId, walletId, asset, amount },
    legs,
    counters: [],
    at,
  };
}

/** The posting with its legs split over the wallet account's balances as they stand now. */
export function planUnexplainedOutflow(posting: OutflowPosting, current: WalletBalances): OutflowPosting {
  return { ...posting, legs: unexplainedOutflowLegs(posting.outflow, current) };
}
