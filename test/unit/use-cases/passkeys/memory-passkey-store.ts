import { StrongroomError } from '../../../../lambdas/domain/errors';
import type { PasskeyCredential } from '../../../../lambdas/domain/passkeys/passkey-credential';
import { passkeyError } from '../../../../lambdas/domain/passkeys/passkey-errors';
import type { NewPasskeyEnrollment, PasskeyEnrollment, PasskeyStore } from '../../../../lambdas/ports/passkey-store';

/**
 * The passkey store in memory with DynamoPasskeyStore's contract: an enrollment completes once, for its
 * own member; a credential id is enrolled once across all members (and stays taken when revoked);
 * credentialsOf lists the unrevoked ones oldest first with the highest counter recorded; recordUse is
 * `seen-before` for a counter value recorded already and records nothing for 0. `writes` counts every
 * write, so a test can show that a read path wrote nothing.
 */
export class MemoryPasskeyStore implements PasskeyStore {
  writes = 0;
  readonly enrollments = new Map<string, PasskeyEnrollment>();
  private readonly credentials = new Map<string, PasskeyCredential[]>();
  private readonly claims = new Map<string, string>();
  private readonly revoked = new Set<string>();
  private readonly uses = new Map<string, number[]>();

  async createEnrollment(enrollment: NewPasskeyEnrollment): Promise<void> {
    if (this.enrollments.has(enrollment.id))
      throw new StrongroomError('STORE.DUPLICATE', `passkey enrollment ${enrollment.id} exists already`);
    this.writes++;
    const { at, ...rest } = enrollment;
    this.enrollments.set(enrollment.id, { ...rest, createdAt: at });
  }

  async getEnrollment(id: string): Promise<PasskeyEnrollment | undefined> {
    return this.enrollments.get(id);
  }

  async completeEnrollment(enrollmentId: string, credential: PasskeyCredential): Promise<void> {
    const enrollment = this.enrollments.get(enrollmentId);
    if (enrollment === undefined || enrollment.memberId !== credential.memberId)
      throw passkeyError('PASSKEY.ENROLLMENT_NOT_FOUND', `no passkey enrollment ${enrollmentId} for this member`);
    if (enrollment.completed !== undefined)
      throw passkeyError('PASSKEY.ENROLLMENT_COMPLETED', `passkey enrollment ${enrollmentId} is completed already`);
    if (this.claims.has(credential.credentialId))
      throw passkeyError('PASSKEY.CREDENTIAL_TAKEN', 'this passkey is enrolled already');
    this.writes++;
    this.enrollments.set(enrollmentId, {
      ...enrollment,
      completed: { credentialId: credential.credentialId, at: credential.enrolledAt },
    });
    this.claims.set(credential.credentialId, credential.memberId);
    this.credentials.set(credential.memberId, [...(this.credentials.get(credential.memberId) ?? []), credential]);
  }

  async credentialsOf(memberId: string): Promise<readonly PasskeyCredential[]> {
    return (this.credentials.get(memberId) ?? [])
      .filter((credential) => !this.revoked.has(credential.credentialId))
      .sort((a, b) => a.enrolledAt.getTime() - b.enrolledAt.getTime())
      .map((credential) => {
        const highest = Math.max(
          credential.counter,
          ...(this.uses.get(useKey(memberId, credential.credentialId)) ?? []),
        );
        return { ...credential, counter: highest };
      });
  }

  async recordUse(use: Parameters<PasskeyStore['recordUse']>[0]): Promise<'recorded' | 'seen-before'> {
    if (!Number.isSafeInteger(use.counter) || use.counter < 0 || use.counter > 0xffffffff)
      throw new StrongroomError('REQUEST.INVALID_FIELD', 'a passkey counter is an unsigned 32-bit integer');
    if (use.counter === 0) return 'recorded';
    const key = useKey(use.memberId, use.credentialId);
    const seen = this.uses.get(key) ?? [];
    if (seen.includes(use.counter)) return 'seen-before';
    this.writes++;
    this.uses.set(key, [...seen, use.counter]);
    return 'recorded';
  }

  async revoke(memberId: string, credentialId: string): Promise<void> {
    if (!(this.credentials.get(memberId) ?? []).some((c) => c.credentialId === credentialId))
      throw passkeyError('PASSKEY.CREDENTIAL_NOT_FOUND', 'the member has no such passkey');
    if (this.revoked.has(credentialId)) throw passkeyError('PASSKEY.CREDENTIAL_REVOKED', 'revoked already');
    this.writes++;
    this.revoked.add(credentialId);
  }
}

const useKey = (memberId: string, credentialId: string): string => `${memberId}#${credentialId}`;
