import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Hex } from 'viem';
import { ConflictError, StrongroomError } from '../../domain/errors';
import type { PasskeyCredential } from '../../domain/passkeys/passkey-credential';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { NewPasskeyEnrollment, PasskeyEnrollment, PasskeyStore } from '../../ports/passkey-store';
import { queryAll } from './query-all';
import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';
import { transactWrite, type TransactItem } from './transact';

const enrollmentKey = (id: string): string => `ENROLL#${id}`;
const memberKey = (memberId: string): string => `PASSKEY#${memberId}`;
const claimKey = (credentialId: string): string => `CREDENTIAL#${credentialId}`;
const CREDENTIAL = 'CRED#';
const REVOKED = 'REVOKED#';
const usePrefix = (credentialId: string): string => `USE#${credentialId}#`;
const CLAIM_SK = 'OWNER';

const ENROLLMENT_CREATED = 'ENROLLMENT_CREATED';
const ENROLLMENT_COMPLETED = 'ENROLLMENT_COMPLETED';
const PASSKEY_ENROLLED = 'PASSKEY_ENROLLED';
const PASSKEY_REVOKED = 'PASSKEY_REVOKED';
const PASSKEY_USED = 'PASSKEY_USED';
const CREDENTIAL_CLAIMED = 'CREDENTIAL_CLAIMED';

interface EnrollmentCreatedData {
  readonly memberName: string;
  readonly secretHash: Hex;
  readonly expiresAt: Date;
}

/**
 * Passkeys in the events table, all conditional puts (never an update or a delete):
 *
 * | pk                        | sk                              | what                                          |
 * |---------------------------|---------------------------------|-----------------------------------------------|
 * | `ENROLL#<id>`             | `000000000001`                  | ENROLLMENT_CREATED: member, name, secret hash, expiry |
 * | `ENROLL#<id>`             | `000000000002`                  | ENROLLMENT_COMPLETED: the credential id        |
 * | `PASSKEY#<memberId>`      | `CRED#<credentialId>`           | PASSKEY_ENROLLED: the PasskeyCredential        |
 * | `PASSKEY#<memberId>`      | `REVOKED#<credentialId>`        | PASSKEY_REVOKED: by whom, when                 |
 * | `PASSKEY#<memberId>`      | `USE#<credentialId>#<counter>`  | PASSKEY_USED: a counter seen (12 digits), with its ref |
 * | `CREDENTIAL#<credentialId>` | `OWNER`                       | CREDENTIAL_CLAIMED: the member it is enrolled to |
 *
 * Completing an enrollment writes its COMPLETED event, the member's credential and the credential's
 * claim in one transaction, each `attribute_not_exists`, with a check that the invitation exists for
 * that member: it succeeds once, and a credential id is enrolled once across the deployment. Counters
 * are append-only too: one item per counter value seen, the highest read with one descending query
 * (credential ids are base64url, which has no `#`, so a prefix names one credential).
 */
export class DynamoPasskeyStore implements PasskeyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createEnrollment(enrollment: NewPasskeyEnrollment): Promise<void> {
    const data: EnrollmentCreatedData = {
      memberName: enrollment.memberName,
      secretHash: enrollment.secretHash,
      expiresAt: enrollment.expiresAt,
    };
    const written = await this.put(
      {
        pk: enrollmentKey(enrollment.id),
        sk: padSequence(1),
        type: ENROLLMENT_CREATED,
        at: enrollment.at.toISOString(),
        actor: enrollment.createdBy,
        // Top level as well: the completion's condition compares it.
        memberId: enrollment.memberId,
        data: toTaggedJson(data),
      },
      'attribute_not_exists(pk)',
    );
    if (!written)
      throw new StrongroomError('STORE.DUPLICATE', `passkey enrollment ${enrollment.id} exists already`, {
        details: { enrollmentId: enrollment.id },
      });
  }

  async getEnrollment(id: string): Promise<PasskeyEnrollment | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': enrollmentKey(id) },
    });
    const [created, completed, ...rest] = items;
    if (created === undefined) return undefined;
    if (
      created.type !== ENROLLMENT_CREATED ||
      (completed !== undefined && completed.type !== ENROLLMENT_COMPLETED) ||
      rest.length > 0
    )
      throw new StrongroomError(
        'LIFECYCLE.INVALID_EVENT',
        `passkey enrollment ${id} has events this store cannot read`,
        {
          details: { enrollmentId: id, events: items.map((item) => item.type) },
        },
      );
    const data = fromTaggedJson<EnrollmentCreatedData>(created.data as string);
    return {
      id,
      memberId: created.memberId as string,
      memberName: data.memberName,
      secretHash: data.secretHash,
      expiresAt: data.expiresAt,
      createdBy: created.actor as string,
      createdAt: new Date(created.at as string),
      ...(completed === undefined
        ? {}
        : { completed: { credentialId: completed.credentialId as string, at: new Date(completed.at as string) } }),
    };
  }

  async completeEnrollment(enrollmentId: string, credential: PasskeyCredential): Promise<void> {
    const at = credential.enrolledAt.toISOString();
    const items: TransactItem[] = [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: enrollmentKey(enrollmentId), sk: padSequence(1) },
          ConditionExpression: 'attribute_exists(pk) AND memberId = :member',
          ExpressionAttributeValues: { ':member': credential.memberId },
        },
      },
      this.putItem({
        pk: enrollmentKey(enrollmentId),
        sk: padSequence(2),
        type: ENROLLMENT_COMPLETED,
        at,
        actor: credential.memberId,
        credentialId: credential.credentialId,
      }),
      this.putItem({
        pk: memberKey(credential.memberId),
        sk: `${CREDENTIAL}${credential.credentialId}`,
        type: PASSKEY_ENROLLED,
        at,
        actor: credential.memberId,
        enrollmentId,
        data: toTaggedJson(credential),
      }),
      this.putItem({
        pk: claimKey(credential.credentialId),
        sk: CLAIM_SK,
        type: CREDENTIAL_CLAIMED,
        at,
        actor: credential.memberId,
        memberId: credential.memberId,
      }),
    ];
    const outcome = await transactWrite(this.doc, items);
    if (outcome.ok) return;
    const details = { enrollmentId };
    if (outcome.kind === 'conflict')
      throw new ConflictError('STORE.CONFLICT', `passkey enrollment ${enrollmentId} is being completed concurrently`, {
        details,
      });
    const failed = new Set(outcome.failedIndexes);
    if (failed.size === 0) {
      // DynamoDB Local may not say which condition failed: the invitation's state tells.
      const enrollment = await this.getEnrollment(enrollmentId);
      if (enrollment === undefined || enrollment.memberId !== credential.memberId) failed.add(0);
      else if (enrollment.completed !== undefined) failed.add(1);
      else failed.add(3);
    }
    if (failed.has(0))
      throw passkeyError(
        'PASSKEY.ENROLLMENT_NOT_FOUND',
        `no passkey enrollment ${enrollmentId} for this member`,
        details,
      );
    if (failed.has(1))
      throw passkeyError(
        'PASSKEY.ENROLLMENT_COMPLETED',
        `passkey enrollment ${enrollmentId} is completed already`,
        details,
      );
    throw passkeyError('PASSKEY.CREDENTIAL_TAKEN', 'this passkey is enrolled already', details);
  }

  async credentialsOf(memberId: string): Promise<readonly PasskeyCredential[]> {
    const [enrolled, revoked] = await Promise.all([
      this.itemsWithPrefix(memberKey(memberId), CREDENTIAL),
      this.itemsWithPrefix(memberKey(memberId), REVOKED),
    ]);
    const revokedIds = new Set(revoked.map((item) => (item.sk as string).slice(REVOKED.length)));
    const active = enrolled
      .map((item) => fromTaggedJson<PasskeyCredential>(item.data as string))
      .filter((credential) => !revokedIds.has(credential.credentialId))
      .sort((a, b) => a.enrolledAt.getTime() - b.enrolledAt.getTime());
    return Promise.all(
      active.map(async (credential) => {
        const highest = await this.highestUse(memberId, credential.credentialId);
        return highest === undefined || highest <= credential.counter
          ? credential
          : { ...credential, counter: highest };
      }),
    );
  }

  async recordUse(use: Parameters<PasskeyStore['recordUse']>[0]): Promise<'recorded' | 'seen-before'> {
    if (!Number.isSafeInteger(use.counter) || use.counter < 0 || use.counter > 0xffffffff)
      throw new StrongroomError('REQUEST.INVALID_FIELD', 'a passkey counter is an unsigned 32-bit integer');
    if (use.counter === 0) return 'recorded';
    const written = await this.put(
      {
        pk: memberKey(use.memberId),
        sk: `${usePrefix(use.credentialId)}${padSequence(use.counter)}`,
        type: PASSKEY_USED,
        at: use.at.toISOString(),
        actor: use.memberId,
        counter: use.counter,
        ref: use.ref,
      },
      'attribute_not_exists(pk)',
    );
    return written ? 'recorded' : 'seen-before';
  }

  async revoke(memberId: string, credentialId: string, by: string, at: Date): Promise<void> {
    const outcome = await transactWrite(this.doc, [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: memberKey(memberId), sk: `${CREDENTIAL}${credentialId}` },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      this.putItem({
        pk: memberKey(memberId),
        sk: `${REVOKED}${credentialId}`,
        type: PASSKEY_REVOKED,
        at: at.toISOString(),
        actor: by,
      }),
    ]);
    if (outcome.ok) return;
    const details = { memberId, credentialId };
    if (outcome.kind === 'conflict')
      throw new ConflictError('STORE.CONFLICT', 'the passkey is being revoked concurrently', { details });
    const notFound =
      outcome.failedIndexes.length === 0
        ? (await this.itemsWithPrefix(memberKey(memberId), `${CREDENTIAL}${credentialId}`)).length === 0
        : outcome.failedIndexes.includes(0);
    if (notFound) throw passkeyError('PASSKEY.CREDENTIAL_NOT_FOUND', 'the member has no such passkey', details);
    throw passkeyError('PASSKEY.CREDENTIAL_REVOKED', 'the passkey is revoked already', details);
  }

  private putItem(item: Record<string, unknown>): TransactItem {
    return { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  /** A conditional put: false when the condition failed (the item exists). */
  private async put(item: Record<string, unknown>, condition: string): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: condition }));
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string }).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw error;
    }
  }

  private itemsWithPrefix(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    });
  }

  /** The highest counter recorded for the credential: the last of its zero-padded use keys. */
  private async highestUse(memberId: string, credentialId: string): Promise<number | undefined> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': memberKey(memberId), ':prefix': usePrefix(credentialId) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const top = page.Items?.[0];
    return top === undefined ? undefined : (top.counter as number);
  }
}
