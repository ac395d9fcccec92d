import type { Reservation } from '../../domain/ledger/posting';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/**
 * The funds a transfer holds, as its SUBMITTED event reserved them. The SUBMITTED event and the RESERVE
 * posting are written in one transaction with one time, so `submittedAt` is when the reservation was
 * made: the ledger checks it against its RESERVE posting, and velocity windows give a release back only
 * to the window that reservation was made in.
 */
export const reservationOf = (state: TransferState): Reservation => ({
  transferId: state.id,
  walletId: state.walletId,
  asset: state.reserved.asset,
  amount: state.reserved.amount,
  feeAllowance: state.feeAllowance,
  ...(state.exposure === undefined ? {} : { exposure: state.exposure }),
  reservedAt: state.submittedAt,
});
