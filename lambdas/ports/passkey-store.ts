import type { Hex } from 'viem';
import type { PasskeyCredential } from '../domain/passkeys/passkey-credential';

/** An invitation to enroll a passkey, sent to one member as a link (`enrollmentLinkUrl`). */
export interface PasskeyEnrollment {
  readonly id: string;
  readonly memberId: string;
  readonly memberName: string;
  /** SHA-256 of the link's secret (`linkSecretHash`), 0x-hex: the secret itself is never stored. */
  readonly secretHash: Hex;
  readonly expiresAt: Date;
  readonly createdBy: string;
  readonly createdAt: Date;
  /** Set once a passkey was enrolled through the link: a link enrolls one passkey, once. */
  readonly completed?: { readonly credentialId: string; readonly at: Date };
}

export type NewPasskeyEnrollment = Omit<PasskeyEnrollment, 'createdAt' | 'completed'> & { readonly at: Date };

/**
 * Members' passkeys and the invitations that enroll them; append-only (conditional puts only). A
 * credential id is enrolled once across all members, so one authenticator's assertions can never count
 * for two members. Reads are strongly consistent.
 */
export interface PasskeyStore {
  /** Records an invitation; an id that exists is refused with `STORE.DUPLICATE`. */
  createEnrollment(enrollment: NewPasskeyEnrollment): Promise<void>;
  getEnrollment(id: string): Promise<PasskeyEnrollment | undefined>;
  /**
   * Completes the invitation with the verified credential (of the invitation's member) and enrolls the
   * credential, in one transaction that succeeds once: a second completion is `PASSKEY.ENROLLMENT_COMPLETED`,
   * a credential id enrolled before is `PASSKEY.CREDENTIAL_TAKEN`, an unknown invitation or another
   * member's credential is `PASSKEY.ENROLLMENT_NOT_FOUND`. Expiry is the caller's to check.
   */
  completeEnrollment(enrollmentId: string, credential: PasskeyCredential): Promise<void>;
  /**
   * The member's passkeys that are not revoked, oldest first, each with the highest counter seen (at
   * enrollment or in a recorded use).
   */
  credentialsOf(memberId: string): Promise<readonly PasskeyCredential[]>;
  /**
   * Records that a decision verified with this counter. Append-only: each counter value is an item of its
   * own, and the counter is the highest recorded. `seen-before` when that value was recorded already (a
   * replay, or a race with another decision): the caller refuses the decision. A counter of 0 (an
   * authenticator that keeps none) says nothing and is not recorded.
   */
  recordUse(use: {
    readonly memberId: string;
    readonly credentialId: string;
    readonly counter: number;
    /** What the use decided, for the record: e.g. the approval request id. */
    readonly ref: string;
    readonly at: Date;
  }): Promise<'recorded' | 'seen-before'>;
  /**
   * Revokes a member's passkey: it is no longer listed, so nothing it signs counts from then on (Authorize
   * rechecks against the listed credentials). `PASSKEY.CREDENTIAL_NOT_FOUND` for an unknown credential,
   * `PASSKEY.CREDENTIAL_REVOKED` when revoked already. Its id stays taken.
   */
  revoke(memberId: string, credentialId: string, by: string, at: Date): Promise<void>;
}
