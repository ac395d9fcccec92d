import type { Hex } from 'viem';
import type { ChainOutcome, PreparedTransaction, TransferEventData, TransferStatus } from './transfer-events';

/** One signing attempt: requested (perhaps signed), perhaps accepted by a node. Never removed. */
export interface SigningAttempt {
  readonly attempt: number;
  readonly proofId: string;
  readonly keyScheme: string;
  readonly txHash?: Hex;
  /** The signed bytes, to send again when no node knows them any more. */
  readonly rawTransaction?: Hex;
  /** The unsigned transaction this attempt signed (its fees are what a replacement must raise). */
  readonly transaction?: PreparedTransaction;
  readonly broadcast: boolean;
  /** SIGNING_VOIDED: no signature exists for this attempt, nor can one be made by a host that follows the job ledger. */
  readonly voided?: boolean;
}

type SubmittedFields = TransferEventData['SUBMITTED'];

/** A transfer as the fold of its events: what it was submitted with, and what happened since. */
export interface TransferState extends SubmittedFields {
  readonly id: string;
  readonly seq: number;
  readonly status: TransferStatus;
  readonly submittedAt: Date;
  readonly updatedAt: Date;
  readonly executionName?: string;
  readonly screening?: 'CLEARED' | 'HIT';
  readonly policy?: TransferEventData['POLICY_EVALUATED'];
  readonly approvalRequestId?: string;
  readonly approverIds?: readonly string[];
  readonly cancelRequested?: { readonly by: string; readonly at: Date };
  readonly transaction?: PreparedTransaction;
  readonly proofId?: string;
  /** The transaction the latest proof authorizes (the prepared one, or a replacement). */
  readonly authorizedTransaction?: PreparedTransaction;
  readonly attempts: readonly SigningAttempt[];
  readonly replacementRequested: boolean;
  /** A cancellation at this transfer's nonce has been requested: the transfer ends when it is mined. */
  readonly cancelling?: boolean;
  /** Why a transfer that is being cancelled at its nonce failed, for its FAILED event. */
  readonly pendingFailure?: TransferEventData['FAILED'];
  readonly latestConfirmation?: TransferEventData['CONFIRMATION_OBSERVED'];
  readonly confirmed?: TransferEventData['CONFIRMED'];
  readonly chainOutcome?: ChainOutcome;
  readonly fundsReleased: boolean;
  readonly reconciliation: readonly string[];
  readonly rejection?: TransferEventData['REJECTED'];
  readonly failure?: TransferEventData['FAILED'];
}

/**
 * True once a signer may have produced a signature: from then on funds move only on chain evidence. A
 * voided attempt does not count: its job was fenced off before any signer took it, or was refused.
 */
export const signingStarted = (state: TransferState): boolean => state.attempts.some((a) => a.voided !== true);

/** Whether the reservation may be released now (ARCHITECTURE.md §1.5). */
export function mayReleaseFunds(state: TransferState): boolean {
  if (state.fundsReleased || state.status === 'COMPLETED') return false;
  return !signingStarted(state) || state.chainOutcome !== undefined;
}
