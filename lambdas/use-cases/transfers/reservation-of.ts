import type { Reservation } from '../../domain/ledger/posting';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/** The funds a transfer holds, as its SUBMITTED event reserved them. */
export const reservationOf = (state: TransferState): Reservation => ({
  transferId: state.id,
  walletId: state.walletId,
  asset: state.reserved.asset,
  amount: state.reserved.amount,
  feeAllowance: state.feeAllowance,
});
