import { externalAccount, walletAccount } from './ledger-account';
import { move, postingId, type Deposit, type DepositPosting, type DepositPostingType, type Place } from './posting';

// The postings of an incoming transfer: seen on chain (pendingIn, not spendable), then confirmed
// (available) or reorged away (back to the outside world).

function depositPosting(
  type: DepositPostingType,
  deposit: Deposit,
  at: Date,
  from: (d: Deposit) => Place,
  to: (d: Deposit) => Place,
): DepositPosting {
  const { depositId, walletId, asset, amount } = deposit;
  return {
    id: postingId(depositId, type),
    type,
    depositId,
    deposit: { depositId, walletId, asset, amount },
    legs: move(amount, from(deposit), to(deposit)),
    counters: [],
    at,
  };
}

const outside = (d: Deposit): Place => [externalAccount(d.walletId, d.asset), 'balance'];
const pendingIn = (d: Deposit): Place => [walletAccount(d.walletId, d.asset), 'pendingIn'];
const available = (d: Deposit): Place => [walletAccount(d.walletId, d.asset), 'available'];

/** A deposit is in a block, not yet final (external → pendingIn). */
export const depositSeen = (deposit: Deposit, at: Date): DepositPosting =>
  depositPosting('DEPOSIT_SEEN', deposit, at, outside, pendingIn);

/** The deposit's block left the canonical chain (pendingIn → external). */
export const depositReorged = (deposit: Deposit, at: Date): DepositPosting =>
  depositPosting('DEPOSIT_REORGED', deposit, at, pendingIn, outside);

/** The deposit has its confirmations and can be spent (pendingIn → available). */
export const depositConfirmed = (deposit: Deposit, at: Date): DepositPosting =>
  depositPosting('DEPOSIT_CONFIRMED', deposit, at, pendingIn, available);
