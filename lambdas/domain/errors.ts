/**
 * Errors of the custody domain.
 *
 * Every error the system raises on purpose is a {@link StrongroomError} with a stable `code`
 * (`AREA.REASON`, listed in {@link ERROR_CATALOGUE}) and an explicit `name`. Step Functions
 * `Catch`/`Retry` match on `name`; clients branch on `code`; the HTTP layer maps `kind` to a status in
 * one place. `details` must be JSON-safe (amounts as decimal strings) and never carry secrets.
 */

/** How the outside world should read a failure; the API maps each kind to one HTTP status. */
export type ErrorKind =
  | 'invalid' // malformed or out-of-range input (400)
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // idempotency or state conflict (409)
  | 'rule' // a business rule refused it: policy, funds (422)
  | 'unavailable' // a dependency is down; retry later (503)
  | 'internal'; // a bug or a broken invariant (500)

interface CatalogueEntry {
  readonly kind: ErrorKind;
  readonly summary: string;
}

/** Every error code the domain can raise, with its kind and a one-line meaning. */
export const ERROR_CATALOGUE = {
  // request bodies
  'REQUEST.INVALID_BODY': { kind: 'invalid', summary: 'the body must be a JSON object' },
  'REQUEST.UNKNOWN_FIELD': { kind: 'invalid', summary: 'the body has a field this route does not take' },
  'REQUEST.MISSING_FIELD': { kind: 'invalid', summary: 'a required field is missing' },
  'REQUEST.INVALID_FIELD': { kind: 'invalid', summary: 'a field has the wrong type or format' },
  // money
  'MONEY.INVALID_TYPE': { kind: 'invalid', summary: 'an amount must be a string of base-unit digits, never a number' },
  'MONEY.EMPTY': { kind: 'invalid', summary: 'the amount is empty' },
  'MONEY.NEGATIVE': { kind: 'invalid', summary: 'the amount is negative' },
  'MONEY.SIGNED': { kind: 'invalid', summary: 'the amount carries a sign' },
  'MONEY.FRACTIONAL': { kind: 'invalid', summary: 'the amount has a fraction: amounts are integers in base units' },
  'MONEY.EXPONENT': { kind: 'invalid', summary: 'the amount uses exponent notation' },
  'MONEY.WHITESPACE': { kind: 'invalid', summary: 'the amount contains white space' },
  'MONEY.INVISIBLE_CHARACTER': { kind: 'invalid', summary: 'the amount contains an invisible or formatting character' },
  'MONEY.NOT_DIGITS': { kind: 'invalid', summary: 'the amount contains characters other than the ASCII digits 0-9' },
  'MONEY.LEADING_ZERO': { kind: 'invalid', summary: 'the amount has leading zeros' },
  'MONEY.OUT_OF_RANGE': { kind: 'invalid', summary: 'the amount is larger than 2^256-1' },
  'MONEY.NOT_POSITIVE': { kind: 'invalid', summary: 'the amount must be greater than zero' },
  // addresses and assets
  'ADDRESS.INVALID_TYPE': { kind: 'invalid', summary: 'an address must be a string' },
  'ADDRESS.MISSING_PREFIX': { kind: 'invalid', summary: 'an address starts with 0x' },
  'ADDRESS.BAD_LENGTH': { kind: 'invalid', summary: 'an address has exactly 40 hex digits after 0x' },
  'ADDRESS.NOT_HEX': { kind: 'invalid', summary: 'an address contains characters other than hex digits' },
  'ADDRESS.BAD_CHECKSUM': { kind: 'invalid', summary: 'the mixed-case address fails its EIP-55 checksum' },
  'ADDRESS.ZERO': { kind: 'invalid', summary: 'the zero address is not a valid counterparty' },
  'ASSET.INVALID': { kind: 'invalid', summary: 'an asset is "native" or an ERC-20 contract address' },
  // intents
  'INTENT.INVALID_DATA': { kind: 'invalid', summary: 'data must be 0x-prefixed hex with whole bytes' },
  'INTENT.MALFORMED_CALL': { kind: 'invalid', summary: 'the calldata does not decode for its selector' },
  'INTENT.DATA_WITH_TOKEN_ASSET': {
    kind: 'invalid',
    summary: 'with data, asset must be "native" and amount the value sent',
  },
  'INTENT.VALUE_WITH_TOKEN_CALL': { kind: 'invalid', summary: 'an ERC-20 call must not carry native value' },
  'INTENT.FORBIDDEN_CALL': { kind: 'rule', summary: 'this kind of call is never signed by custody keys' },
  'INTENT.INVALID_REQUEST': { kind: 'invalid', summary: 'the transfer request is not an object of the expected shape' },
  // policy
  'POLICY.INVALID': { kind: 'invalid', summary: 'the policy is invalid' },
  'POLICY.BLOCKED': { kind: 'rule', summary: 'the policy blocks this transfer' },
  // ledger
  'LEDGER.INSUFFICIENT_FUNDS': {
    kind: 'rule',
    summary: 'the available balance does not cover the amount and fee allowance',
  },
  'LEDGER.INVALID_POSTING': { kind: 'internal', summary: 'a posting is unbalanced or breaks a ledger invariant' },
  'LEDGER.INVALID_PHASE': {
    kind: 'conflict',
    summary: 'the reservation or deposit is not in a phase that allows this posting',
  },
  'LEDGER.POSTING_CONFLICT': {
    kind: 'conflict',
    summary: 'this posting, or the reservation it refers to, was recorded with other amounts',
  },
  // persistence
  'STORE.CONFLICT': { kind: 'conflict', summary: 'someone else wrote first: re-read and decide again' },
  'STORE.DUPLICATE': { kind: 'conflict', summary: 'that item exists already and is never overwritten' },
  'NONCE.TAKEN': { kind: 'conflict', summary: 'another transfer reserved the planned nonce first: reserve the next' },
  'STORE.CONTENTION': { kind: 'unavailable', summary: 'the write kept conflicting until its time bound; retry later' },
  'STORE.NOT_FOUND': { kind: 'not_found', summary: 'no such item' },
  // idempotency
  'IDEMPOTENCY.MISSING_KEY': { kind: 'invalid', summary: 'this route needs an Idempotency-Key header' },
  'IDEMPOTENCY.INVALID_KEY': { kind: 'invalid', summary: 'the Idempotency-Key header is malformed' },
  'IDEMPOTENCY.KEY_REUSED': { kind: 'conflict', summary: 'this Idempotency-Key was used with another request body' },
  // lifecycle
  'LIFECYCLE.ILLEGAL_TRANSITION': {
    kind: 'conflict',
    summary: 'the transfer cannot go to that status from its current one',
  },
  'LIFECYCLE.INVALID_EVENT': { kind: 'internal', summary: 'an event is out of sequence or malformed' },
  // approvals
  'APPROVAL.NOT_A_MEMBER': {
    kind: 'forbidden',
    summary: 'the approver is not a member of a group this approval needs',
  },
  'APPROVAL.INITIATOR_CANNOT_APPROVE': {
    kind: 'forbidden',
    summary: 'the initiator of a transfer never counts towards its quorum',
  },
  'APPROVAL.LINK_INVALID': {
    kind: 'forbidden',
    summary: "the link's secret is not one of this approval request's links",
  },
  'APPROVAL.ADMIN_CANNOT_APPROVE': {
    kind: 'forbidden',
    summary: 'a principal with the admin role never counts as a transfer approver (separation of duties)',
  },
  'APPROVAL.DUPLICATE_DECISION': { kind: 'conflict', summary: 'this approver has decided already' },
  'APPROVAL.ALREADY_RESOLVED': { kind: 'conflict', summary: 'the approval request is resolved already' },
  'APPROVAL.EXPIRED': { kind: 'conflict', summary: 'the approval request has expired' },
  'APPROVAL.INVALID_GROUP': { kind: 'invalid', summary: 'the approval group is invalid' },
  'APPROVAL.INVALID_REQUIREMENT': {
    kind: 'invalid',
    summary: 'the approval requirement is malformed: quorums, timeout or its list of groups',
  },
  'APPROVAL.QUORUM_UNREACHABLE': {
    kind: 'rule',
    summary: 'a required group is unknown, or the approvers other than the initiator are too few to reach the quorum',
  },
  // authorization proof
  'PROOF.INVALID': { kind: 'forbidden', summary: 'the authorization proof does not verify' },
  'PROOF.EXPIRED': { kind: 'forbidden', summary: 'the authorization proof has expired' },
  'PROOF.MISMATCH': { kind: 'forbidden', summary: 'the authorization proof does not cover this transaction' },
  'PROOF.MALFORMED': {
    kind: 'invalid',
    summary: 'a proof, checkpoint or signing domain is not of the expected shape or does not encode',
  },
  // notifications
  'NOTIFY.UNAVAILABLE': {
    kind: 'unavailable',
    summary: 'approvers cannot be notified: no notifier is configured or it did not answer',
  },
  // keys and signers
  'KEY.NOT_FOUND': { kind: 'not_found', summary: 'no such key in the key vault' },
  'KEY.DISABLED': { kind: 'rule', summary: 'the key is disabled or scheduled for deletion and cannot sign' },
  'KEY.WRONG_PURPOSE': { kind: 'forbidden', summary: 'the key is not for this kind of signature' },
  'KEY.UNAVAILABLE': {
    kind: 'unavailable',
    summary: 'the key vault did not answer in time or throttled us; retry later',
  },
  'KEY.BAD_SIGNATURE': {
    kind: 'internal',
    summary: 'the key vault returned a signature that does not recover to the key',
  },
  'KEY.NOT_GRANTED': { kind: 'internal', summary: "this function's manifest does not grant it that key" },
  'KEY.VAULT_SEALED': { kind: 'internal', summary: 'the local key vault cannot be opened with this passphrase' },
  'SIGNER.ADDRESS_MISMATCH': { kind: 'forbidden', summary: "the signing key's address is not the transaction's from" },
  'SIGNER.SIGNATURE_MISMATCH': {
    kind: 'forbidden',
    summary: "a signer's transaction is not the authorized one, or not signed by the wallet's key",
  },
  // the enclave
  'ENCLAVE.UNAVAILABLE': {
    kind: 'unavailable',
    summary: 'the enclave did not answer (or is not reachable from here); nothing was registered or signed',
  },
  'ENCLAVE.ATTESTATION_INVALID': {
    kind: 'forbidden',
    summary: "the enclave's attestation did not verify: the key it vouches for is not registered",
  },
  'ENCLAVE.REFUSED': { kind: 'forbidden', summary: 'the enclave refused the request' },
  'ENCLAVE.JOB_IN_FLIGHT': {
    kind: 'conflict',
    summary: 'an enclave host claimed the job and has not answered: a signature may exist, so it is asked again',
  },
  'SIGNER.FORBIDDEN_PAYLOAD': { kind: 'forbidden', summary: 'this key never signs that kind of payload' },
  // the co-signer (issue 16)
  'COSIGNER.UNAVAILABLE': {
    kind: 'unavailable',
    summary: 'the co-signer did not answer (or is not reachable from here); nothing was registered or released',
  },
  'COSIGNER.REFUSED': {
    kind: 'forbidden',
    summary: 'the co-signer refused: its own checks did not pass, so nothing was registered or released',
  },
  // chains
  'CHAIN.UNKNOWN': { kind: 'invalid', summary: 'no chain with this id is configured' },
  'CHAIN.UNAVAILABLE': {
    kind: 'unavailable',
    summary: 'the chain RPC did not answer or answered an error; retry later',
  },
  'CHAIN.FEE_CAP_EXCEEDED': { kind: 'rule', summary: "current fees are above the chain's configured cap" },
  'CHAIN.GAS_ESTIMATE_FAILED': { kind: 'rule', summary: 'the transaction would revert or cannot be estimated' },
  'CHAIN.BROADCAST_REFUSED': { kind: 'rule', summary: 'the node refused the transaction and does not know its hash' },
  'CHAIN.NOT_A_REPLACEMENT': {
    kind: 'invalid',
    summary: 'a replacement must keep the nonce and raise both fees by at least 10% within the fee ceiling',
  },
  'CHAIN.INVALID_TRANSACTION': {
    kind: 'invalid',
    summary: 'the signed transaction is malformed or does not recover to its from',
  },
  'CHAIN.NOT_FINAL': {
    kind: 'conflict',
    summary: 'the transaction does not have its confirmations (any more): keep tracking it',
  },
  // wallets and transfers
  'WALLET.NOT_FOUND': { kind: 'not_found', summary: 'no wallet with this id' },
  'WALLET.NOT_ACTIVE': { kind: 'rule', summary: 'the wallet is frozen or locked down: it sends nothing' },
  'WALLET.KEY_REVOKED': { kind: 'rule', summary: "the wallet's key is revoked: it signs nothing more" },
  'WALLET.ROTATED': { kind: 'rule', summary: "the wallet's key was rotated: it sends only to its successor" },
  'TRANSFER.NOT_FOUND': { kind: 'not_found', summary: 'no transfer with this id' },
  'TRANSFER.NOT_CANCELLABLE': {
    kind: 'conflict',
    summary: 'the transfer has ended or its cancellation was requested already',
  },
  'TRANSFER.CANCELLED': { kind: 'conflict', summary: 'the transfer was cancelled: this step does not run' },
  'TRANSFER.NOT_AUTHORIZED': {
    kind: 'forbidden',
    summary: 'the policy or the approvals no longer allow this transfer',
  },
  // http edge
  'AUTH.MISSING_TOKEN': {
    kind: 'unauthenticated',
    summary: 'the request has no Authorization header of the form "Bearer <jwt>"',
  },
  'AUTH.INVALID_TOKEN': {
    kind: 'unauthenticated',
    summary: 'the bearer token does not verify: signature, algorithm, issuer, audience, lifetime or claims',
  },
  'AUTH.FORBIDDEN': { kind: 'forbidden', summary: 'the caller has none of the roles this route needs' },
  'AUTH.WALLET_NOT_IN_SCOPE': {
    kind: 'forbidden',
    summary: 'the bearer token is scoped to named wallets and this wallet is not one of them',
  },
  'AUTH.KEYS_UNAVAILABLE': {
    kind: 'unavailable',
    summary: "the identity provider's signing keys could not be fetched; retry later",
  },
  'REQUEST.REFUSED': {
    kind: 'invalid',
    summary: 'API Gateway refused the request before any function saw it (its DEFAULT_4XX response)',
  },
  'REQUEST.BODY_TOO_LARGE': { kind: 'invalid', summary: 'the body is larger than this route accepts (HTTP 413)' },
  'REQUEST.MALFORMED_JSON': { kind: 'invalid', summary: 'the body is not valid UTF-8 JSON or is nested too deeply' },
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': {
    kind: 'invalid',
    summary: 'a body must be sent as application/json in UTF-8 (HTTP 415)',
  },
  'ROUTE.NOT_FOUND': { kind: 'not_found', summary: 'no such route' },
  'ROUTE.METHOD_NOT_ALLOWED': { kind: 'invalid', summary: 'the route exists but not with this method (HTTP 405)' },
  'RATE.LIMITED': { kind: 'unavailable', summary: 'too many requests; retry later (HTTP 429)' },
  'INTERNAL.ERROR': { kind: 'internal', summary: 'an unexpected error; the trace id finds it in the logs' },
  // api
  'APPROVAL.GROUP_NOT_FOUND': { kind: 'not_found', summary: 'no approval group with this id' },
  'APPROVAL.REQUEST_NOT_FOUND': { kind: 'not_found', summary: 'no approval request with this id' },
  'AUDIT.TRACE_NOT_FOUND': { kind: 'not_found', summary: 'no audit record carries this trace id' },
  // governance
  'GOVERNANCE.NOT_BOOTSTRAPPED': { kind: 'conflict', summary: 'no governance group has been set up yet' },
  'GOVERNANCE.ALREADY_BOOTSTRAPPED': {
    kind: 'conflict',
    summary: 'the governance group is set already; changing it is a governance change',
  },
  'GOVERNANCE.INVALID_GROUP': { kind: 'invalid', summary: 'the governance group is invalid' },
  'GOVERNANCE.CHANGE_NOT_FOUND': { kind: 'not_found', summary: 'no change request with this id' },
  'GOVERNANCE.NOT_A_MEMBER': { kind: 'forbidden', summary: 'only members of the governance group decide changes' },
  'GOVERNANCE.LINK_INVALID': {
    kind: 'forbidden',
    summary: "the link's secret is not one of this change request's member links",
  },
  'GOVERNANCE.PROPOSER_CANNOT_APPROVE': {
    kind: 'forbidden',
    summary: 'the proposer of a change, and any member it adds, never counts towards its quorum',
  },
  'GOVERNANCE.ADDED_MEMBER_CANNOT_APPROVE': {
    kind: 'forbidden',
    summary: 'a member the change itself adds never counts towards its quorum',
  },
  'GOVERNANCE.QUORUM_REACHED': {
    kind: 'conflict',
    summary: 'the change has its quorum and waits out its time-lock: it can only be vetoed now',
  },
  'GOVERNANCE.GROUP_CHANGED': {
    kind: 'conflict',
    summary: 'the governance group changed since the change was proposed: propose it again',
  },
  'GOVERNANCE.QUORUM_UNREACHABLE': {
    kind: 'rule',
    summary: 'too few governance members may approve this change for it ever to reach the quorum',
  },
  'GOVERNANCE.DUPLICATE_DECISION': { kind: 'conflict', summary: 'this member has decided on the change already' },
  'GOVERNANCE.ALREADY_FINAL': {
    kind: 'conflict',
    summary: 'the change is applied, being applied, vetoed, expired or failed',
  },
  // passkeys
  'PASSKEY.REGISTRATION_INVALID': {
    kind: 'invalid',
    summary: 'the passkey registration does not verify: challenge, origin, user verification, algorithm or format',
  },
  'PASSKEY.ENROLLMENT_NOT_FOUND': { kind: 'not_found', summary: 'no passkey enrollment with this id' },
  'PASSKEY.ENROLLMENT_LINK_INVALID': { kind: 'forbidden', summary: "the link's secret is not this enrollment's" },
  'PASSKEY.ENROLLMENT_EXPIRED': { kind: 'conflict', summary: 'the enrollment link has expired' },
  'PASSKEY.ENROLLMENT_COMPLETED': {
    kind: 'conflict',
    summary: 'a passkey was enrolled with this link already: a link enrolls once',
  },
  'PASSKEY.CREDENTIAL_TAKEN': {
    kind: 'conflict',
    summary: 'this credential is enrolled already (by this or another member)',
  },
  'PASSKEY.CREDENTIAL_NOT_FOUND': {
    kind: 'not_found',
    summary: 'the member has no enrolled passkey with this credential id',
  },
  'PASSKEY.CREDENTIAL_REVOKED': { kind: 'conflict', summary: 'the passkey is revoked already' },
  'PASSKEY.NOT_ENROLLED': {
    kind: 'forbidden',
    summary: 'the member has no enrolled passkey, so cannot decide: enroll one first',
  },
  'PASSKEY.ASSERTION_REQUIRED': {
    kind: 'forbidden',
    summary: 'this approval needs a passkey assertion over the exact request',
  },
  'PASSKEY.ASSERTION_INVALID': {
    kind: 'forbidden',
    summary: "the passkey signature does not verify for this decision and the member's passkey",
  },
  // reconciliation
  'RECONCILIATION.EXCEPTION_NOT_FOUND': { kind: 'not_found', summary: 'no reconciliation exception with this id' },
  'RECONCILIATION.ALREADY_RESOLVED': { kind: 'conflict', summary: 'the reconciliation exception is resolved already' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorOptions {
  /** JSON-safe facts for the client: the field, the limit, the rule id. Never a secret. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one base class of the system's own errors. */
export class StrongroomError extends Error {
  override readonly name: string = 'StrongroomError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = ERROR_CATALOGUE[code].kind;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Bad input: the field and the reason are in `details.field` and the message. */
export class ValidationError extends StrongroomError {
  override readonly name = 'ValidationError';
  constructor(code: ErrorCode, field: string, message: string, options: ErrorOptions = {}) {
    super(code, `${field}: ${message}`, { ...options, details: { field, ...options.details } });
  }

  get field(): string {
    return this.details.field as string;
  }
}

export class PolicyValidationError extends StrongroomError {
  override readonly name = 'PolicyValidationError';
}

export class InsufficientFundsError extends StrongroomError {
  override readonly name = 'InsufficientFundsError';
}

export class LedgerInvariantError extends StrongroomError {
  override readonly name = 'LedgerInvariantError';
}

export class IllegalTransitionError extends StrongroomError {
  override readonly name = 'IllegalTransitionError';
}

/** An optimistic write lost: the caller re-reads and decides again. */
export class ConflictError extends StrongroomError {
  override readonly name = 'ConflictError';
}

export class ApprovalError extends StrongroomError {
  override readonly name = 'ApprovalError';
}

export class ProofError extends StrongroomError {
  override readonly name = 'ProofError';
}

/** A key vault or signer refused or failed (KEY.*, SIGNER.*), apart from unavailability. */
export class SigningError extends StrongroomError {
  override readonly name = 'SigningError';
}

/** A chain refused or cannot do what was asked (CHAIN.*), apart from unavailability. */
export class ChainError extends StrongroomError {
  override readonly name = 'ChainError';
}

/**
 * A dependency (key vault, chain RPC, …) is down, slow or throttling: the one error name a workflow
 * Retry matches, and never a reason to act on a guess.
 */
export class DependencyUnavailableError extends StrongroomError {
  override readonly name = 'DependencyUnavailableError';
}

/** The caller is not authenticated (AUTH.MISSING_TOKEN, AUTH.INVALID_TOKEN) or lacks a role (AUTH.FORBIDDEN). */
export class AuthError extends StrongroomError {
  override readonly name = 'AuthError';
}

/**
 * The workflow stops this transfer on purpose (cancelled, rejected at authorization): a named error
 * the state machine's Catch sends to compensation, never retried.
 */
export class TransferHaltedError extends StrongroomError {
  override readonly name = 'TransferHaltedError';
}

/**
 * A signing job the workflow gave up on was claimed by an enclave host that has not answered: the
 * named error VoidEnclaveJob's Retry waits on, before the attempt is treated as in doubt.
 */
export class EnclaveJobInFlightError extends StrongroomError {
  override readonly name = 'EnclaveJobInFlightError';
}

/** Settle found the transaction short of its confirmations (a reorg since the check): track it again. */
export class NotFinalError extends StrongroomError {
  override readonly name = 'NotFinalError';
}

export const isStrongroomError = (e: unknown): e is StrongroomError => e instanceof StrongroomError;
