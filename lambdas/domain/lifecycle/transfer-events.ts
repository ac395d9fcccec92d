import type { Hex } from 'viem';
import type { Address } from '../address';
import type { Asset } from '../asset';

/** Where a transfer stands. The last four are terminal failures; COMPLETED is final too. */
export const TRANSFER_STATUSES = [
  'SUBMITTED',
  'PENDING_SCREENING',
  'PENDING_AUTHORIZATION',
  'QUEUED',
  'PENDING_SIGNATURE',
  'BROADCASTING',
  'CONFIRMING',
  'COMPLETED',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'FAILED',
] as const;

export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<TransferStatus> = new Set([
  'COMPLETED',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'FAILED',
]);

/** The complete unsigned EIP-1559 transaction a transfer will sign (empty access list). */
export interface PreparedTransaction {
  readonly chainId: number;
  readonly nonce: number;
  readonly from: Address;
  readonly to: Address;
  readonly value: bigint;
  readonly data: Hex;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/**
 * What the chain showed about a signed transfer. Only these release funds once a signing attempt
 * exists (ARCHITECTURE.md §1.5): our own cancellation consumed the nonce, or the nonce was consumed by
 * none of the signed attempts and every attempt is provably invalid.
 */
export type ChainOutcome =
  | { readonly kind: 'CANCELLATION_MINED'; readonly txHash: Hex; readonly blockNumber: bigint; readonly fee: bigint }
  | { readonly kind: 'ATTEMPTS_INVALIDATED'; readonly evidence: string }
  /** One of our attempts was mined but its call reverted: the fee is spent, the principal did not move. */
  | { readonly kind: 'REVERTED_MINED'; readonly txHash: Hex; readonly blockNumber: bigint; readonly fee: bigint };

/** The payload of every event type, by type. Amounts are bigint; the store encodes them. */
export interface TransferEventData {
  SUBMITTED: {
    readonly walletId: string;
    readonly initiatorId: string;
    /** The initiator's roles when they submitted: what policy rules about initiators are judged on. */
    readonly initiatorRoles?: readonly string[];
    readonly traceId: string;
    readonly chainId: number;
    readonly to: Address;
    readonly asset: Asset;
    readonly amount: bigint;
    readonly data: Hex;
    readonly feeAllowance: bigint;
    /**
     * What the ledger reserved besides the fee allowance: the asset and amount that leave the wallet
     * when the call is mined (an ERC-20 transfer in `data` reserves tokens; an approve reserves none).
     */
    readonly reserved: { readonly asset: Asset; readonly amount: bigint };
    readonly note?: string;
  };
  EXECUTION_STARTED: { readonly executionName: string };
  SCREENING_STARTED: Record<string, never>;
  SCREENING_CLEARED: { readonly provider: string; readonly travelRuleRecordId?: string };
  SCREENING_HIT: { readonly provider: string; readonly reason: string };
  POLICY_EVALUATED: {
    readonly decisionId: string;
    readonly policyVersion: number;
    readonly action: 'ALLOW' | 'REQUIRE_APPROVAL' | 'BLOCK';
    readonly matchedRuleIds: readonly string[];
    readonly reason: string;
    /** The rules whose action decided, for a rejection to name. */
    readonly decidingRuleIds?: readonly string[];
    /** What approval needs, when the action is REQUIRE_APPROVAL. */
    readonly approval?: {
      readonly quorum: number;
      readonly groups: readonly { readonly group: string; readonly quorum: number }[];
      readonly timeoutSeconds: number;
    };
  };
  APPROVAL_REQUESTED: { readonly approvalRequestId: string; readonly expiresAt: string };
  APPROVAL_GRANTED: { readonly approvalRequestId: string; readonly approverIds: readonly string[] };
  APPROVAL_REJECTED: { readonly approvalRequestId: string; readonly rejectedBy: string };
  APPROVAL_EXPIRED: { readonly approvalRequestId: string };
  CANCEL_REQUESTED: { readonly requestedBy: string; readonly reason?: string };
  TRANSACTION_PREPARED: { readonly transaction: PreparedTransaction };
  /** `transaction` is what this proof authorizes: the prepared one, or a replacement at the same nonce. */
  AUTHORIZED: { readonly proofId: string; readonly validUntil: string; readonly transaction?: PreparedTransaction };
  /** Written before the signer is called: from here on the transaction may exist, signed. */
  SIGNING_REQUESTED: { readonly attempt: number; readonly proofId: string; readonly keyScheme: string };
  /** The signed bytes are kept (they are public once broadcast) so a dropped attempt can be sent again. */
  SIGNED: {
    readonly attempt: number;
    readonly txHash: Hex;
    readonly rawTransaction?: Hex;
    readonly transaction?: PreparedTransaction;
  };
  BROADCAST_ACCEPTED: { readonly attempt: number; readonly txHash: Hex };
  CONFIRMATION_OBSERVED: {
    readonly txHash: Hex;
    readonly blockNumber: bigint;
    readonly blockHash?: Hex;
    readonly confirmations: number;
  };
  /**
   * The next attempt at this nonce replaces the previous: fees raised (STUCK), or a zero-value
   * self-transfer that cancels (CANCEL). `replacesAttempt` 0 is a cancellation of a nonce that was
   * prepared but never signed (the transfer failed before signing): filling it unblocks later
   * transfers; `failure` is why the transfer stops, recorded when it ends.
   */
  REPLACEMENT_REQUESTED: {
    readonly reason: 'STUCK' | 'CANCEL';
    readonly replacesAttempt: number;
    readonly failure?: { readonly stage: string; readonly errorName: string; readonly reason: string };
  };
  /** Something needs a human: a deep reorg, an unknown hash at our nonce, a signer that answered nothing. */
  RECONCILIATION_REQUIRED: { readonly reason: string };
  CONFIRMED: {
    readonly txHash: Hex;
    readonly blockNumber: bigint;
    readonly confirmations: number;
    readonly fee: bigint;
  };
  CHAIN_OUTCOME: { readonly outcome: ChainOutcome };
  FUNDS_RELEASED: { readonly reason: string };
  REJECTED: {
    readonly stage: 'SCREENING' | 'POLICY' | 'APPROVAL' | 'AUTHORIZATION';
    readonly reason: string;
    readonly ruleIds?: readonly string[];
  };
  EXPIRED: { readonly reason: string };
  CANCELLED: { readonly reason: string };
  FAILED: { readonly stage: string; readonly errorName: string; readonly reason: string };
}

export type TransferEventType = keyof TransferEventData;

/** One appended event of a transfer's stream; `seq` starts at 1 and has no gaps. */
export type TransferEvent = {
  [T in TransferEventType]: {
    readonly transferId: string;
    readonly seq: number;
    readonly type: T;
    readonly at: Date;
    readonly actor: string;
    readonly data: TransferEventData[T];
  };
}[TransferEventType];

export type TransferEventOf<T extends TransferEventType> = Extract<TransferEvent, { type: T }>;
