import { NATIVE } from '../asset';
import { LedgerInvariantError } from '../errors';
import { formatAmount } from '../money';
import type { WalletBucket } from './account-state';
import { externalAccount, feesAccount, walletAccount } from './ledger-account';
import {
  exposureOf,
  move,
  postingId,
  type CounterIncrement,
  type Leg,
  type Reservation,
  type TransferPosting,
  type TransferPostingType,
} from './posting';

// The postings of an outgoing transfer. The principal sits on the asset's wallet account and the fee
// allowance on the wallet's native account, for token transfers too (gas is paid in the native asset);
// for a native transfer both are on one account.

function transferPosting(
  type: TransferPostingType,
  reservation: Reservation,
  at: Date,
  legs: readonly Leg[],
  counters: readonly CounterIncrement[] = [],
): TransferPosting {
  const { transferId, walletId, asset, amount, feeAllowance, exposure, reservedAt } = reservation;
  return {
    id: postingId(transferId, type),
    type,
    transferId,
    // Copied field by field: the posting is stored, so it must not carry whatever else the caller's object holds.
    reservation: {
      transferId,
      walletId,
      asset,
      amount,
      feeAllowance,
      ...(exposure === undefined ? {} : { exposure }),
      ...(reservedAt === undefined ? {} : { reservedAt }),
    },
    legs,
    counters: counters.filter((c) => c.amount !== 0n),
    at,
  };
}

const principalAccount = (r: Reservation) => walletAccount(r.walletId, r.asset);
const nativeAccount = (r: Reservation) => walletAccount(r.walletId, NATIVE);

/** Principal and fee allowance from one bucket of their wallet accounts to another. */
const moveReservation = (r: Reservation, from: WalletBucket, to: WalletBucket): Leg[] => [
  ...move(r.amount, [principalAccount(r), from], [principalAccount(r), to]),
  ...move(r.feeAllowance, [nativeAccount(r), from], [nativeAccount(r), to]),
];

/** The fee allowance leaves pendingOut: the fee actually paid to the fees account, the rest back to available. */
function feeLegs(r: Reservation, actualFee: bigint): Leg[] {
  // The allowance is sized as gas limit × the fee ceiling every attempt of this transfer is authorized
  // within (replacements and our cancellation included), so the chain cannot charge one of our own
  // transactions more. A larger fee means another transaction or another reservation: booking the
  // excess against available would hide exactly what reconciliation must look at.
  if (actualFee < 0n || actualFee > r.feeAllowance) {
    throw new LedgerInvariantError(
      'LEDGER.INVALID_POSTING',
      `transfer ${r.transferId}: a fee of ${actualFee} is outside its allowance of ${r.feeAllowance}`,
      {
        details: {
          transferId: r.transferId,
          actualFee: actualFee.toString(),
          feeAllowance: formatAmount(r.feeAllowance),
        },
      },
    );
  }
  return [
    ...move(actualFee, [nativeAccount(r), 'pendingOut'], [feesAccount(r.walletId), 'balance']),
    ...move(r.feeAllowance - actualFee, [nativeAccount(r), 'pendingOut'], [nativeAccount(r), 'available']),
  ];
}

// The velocity counters count exposure (the principal, or the allowance an approve grants); a
// release gives back exactly what its reservation counted.
const released = (r: Reservation): CounterIncrement => ({
  account: principalAccount(r),
  counter: 'outflowReleased',
  amount: exposureOf(r),
});

/**
 * Reserves principal and fee allowance (available → reserved); refused when available does not cover
 * them. The outflow counter grows by the reservation's exposure, which for an approve is the allowance
 * it grants although no principal is held.
 */
export function reserve(reservation: Reservation, at: Date): TransferPosting {
  const counter: CounterIncrement = {
    account: principalAccount(reservation),
    counter: 'outflowReserved',
    amount: exposureOf(reservation),
  };
  return transferPosting('RESERVE', reservation, at, moveReservation(reservation, 'available', 'reserved'), [counter]);
}

/** Gives a reservation back before broadcast (reserved → available). */
export function release(reservation: Reservation, at: Date): TransferPosting {
  return transferPosting('RELEASE', reservation, at, moveReservation(reservation, 'reserved', 'available'), [
    released(reservation),
  ]);
}

/** The signed transaction is on its way to the chain (reserved → pendingOut). */
export function broadcast(reservation: Reservation, at: Date): TransferPosting {
  return transferPosting('BROADCAST', reservation, at, moveReservation(reservation, 'reserved', 'pendingOut'));
}

/** The transaction is final: the principal leaves to the outside world, the fee paid to the fees account. */
export function settle(reservation: Reservation, actualFee: bigint, at: Date): TransferPosting {
  const r = reservation;
  const principal = move(
    r.amount,
    [principalAccount(r), 'pendingOut'],
    [externalAccount(r.walletId, r.asset), 'balance'],
  );
  return transferPosting('SETTLE', r, at, [...principal, ...feeLegs(r, actualFee)]);
}

/**
 * Our own cancellation (a zero-value self-transfer at the same nonce) consumed the nonce: the principal
 * comes back, the cancellation's fee is paid from the allowance. Every attempt invalidated with the
 * nonce unused is the same posting with a fee of zero.
 */
export function settleCancelled(reservation: Reservation, actualFee: bigint, at: Date): TransferPosting {
  const r = reservation;
  const principal = move(r.amount, [principalAccount(r), 'pendingOut'], [principalAccount(r), 'available']);
  return transferPosting('SETTLE_CANCELLED', r, at, [...principal, ...feeLegs(r, actualFee)], [released(r)]);
}
