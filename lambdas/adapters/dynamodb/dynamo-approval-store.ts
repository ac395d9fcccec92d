import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ApprovalError, StrongroomError } from '../../domain/errors';
import type {
  ApprovalResolution,
  ApprovalStore,
  StoredApprovalDecision,
  StoredPasskeyEvidence,
  StoredApprovalRequest,
} from '../../ports/approval-store';
import type { SecretSealer } from '../../ports/secret-sealer';
import { queryAll } from './query-all';
import { fromTaggedJson, toTaggedJson } from './tagged-json';
import { transactWrite } from './transact';
import type { ApprovalLink } from '../../domain/approvals/approval-link';

const requestKey = (id: string): string => `REQUEST#${id}`;
const REQUEST = 'REQUEST';
const RESOLUTION = 'RESOLUTION';
const TOKEN_PREFIX = 'TOKEN#';
const decisionKey = (approverId: string): string => `DECISION#${approverId}`;

/**
 * Approvals in the approvals table under `REQUEST#<id>`: the request, `DECISION#<approver>` items
 * and one `RESOLUTION`. A decision is written only while no resolution exists (a ConditionCheck in
 * the same transaction), and the resolution is a conditional put, so a reject racing the decision
 * that completes a quorum has exactly one winner.
 */
export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly sealer: SecretSealer,
  ) {}

  async create(
    request: StoredApprovalRequest,
    callbackToken: string,
    links: readonly ApprovalLink[] = [],
  ): Promise<void> {
    const sealedToken = await this.sealer.seal(callbackToken, tokenContext(request.id));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: requestKey(request.id),
            sk: REQUEST,
            ...request,
            requirement: JSON.stringify(request.requirement),
            createdAt: request.createdAt.toISOString(),
            expiresAt: request.expiresAt.toISOString(),
            sealedToken,
            links: JSON.stringify(links.map(({ memberId, secretHash }) => ({ memberId, secretHash }))),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw conditionFailed(error)
        ? new StrongroomError('STORE.DUPLICATE', `approval request ${request.id} exists already`)
        : error;
    }
  }

  async links(requestId: string): Promise<readonly ApprovalLink[]> {
    const item = await this.item(requestId, REQUEST);
    if (item === undefined || typeof item.links !== 'string') return [];
    return JSON.parse(item.links) as ApprovalLink[];
  }

  async get(requestId: string): Promise<StoredApprovalRequest | undefined> {
    const item = await this.item(requestId, REQUEST);
    if (item === undefined) return undefined;
    return {
      id: item.id as string,
      transferId: item.transferId as string,
      initiatorId: item.initiatorId as string,
      requirement: JSON.parse(item.requirement as string) as StoredApprovalRequest['requirement'],
      createdAt: new Date(item.createdAt as string),
      expiresAt: new Date(item.expiresAt as string),
    };
  }

  async decide(decision: StoredApprovalDecision): Promise<void> {
    const pk = requestKey(decision.requestId);
    const outcome = await transactWrite(this.doc, [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk, sk: REQUEST },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk, sk: RESOLUTION },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            pk,
            sk: decisionKey(decision.approverId),
            ...decision,
            at: decision.at.toISOString(),
            ...(decision.evidence === undefined ? {} : { evidence: toTaggedJson(decision.evidence) }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    if (outcome.ok) return;
    if (outcome.kind === 'conflict')
      throw new StrongroomError('STORE.CONFLICT', 'the approval changed while deciding: retry');
    const [failed] = outcome.failedIndexes;
    if (failed === 0) throw new StrongroomError('STORE.NOT_FOUND', `no approval request ${decision.requestId}`);
    if (failed === 1)
      throw new ApprovalError(
        'APPROVAL.ALREADY_RESOLVED',
        `approval request ${decision.requestId} is resolved already`,
      );
    throw new ApprovalError(
      'APPROVAL.DUPLICATE_DECISION',
      `${decision.approverId} has decided on ${decision.requestId} already`,
      { details: { approverId: decision.approverId } },
    );
  }

  async decisions(requestId: string): Promise<readonly StoredApprovalDecision[]> {
    // Every page: the quorum is recounted from these, and a reject on a page not read would go unseen.
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: { ':pk': requestKey(requestId), ':d': 'DECISION#' },
    });
    return items
      .map((item) => ({
        requestId,
        approverId: item.approverId as string,
        decision: item.decision as 'approve' | 'reject',
        at: new Date(item.at as string),
        ...(item.comment === undefined ? {} : { comment: item.comment as string }),
        ...(item.evidence === undefined
          ? {}
          : { evidence: fromTaggedJson<StoredPasskeyEvidence>(item.evidence as string) }),
      }))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  async resolve(resolution: ApprovalResolution): Promise<{ resolution: ApprovalResolution; won: boolean }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: requestKey(resolution.requestId),
            sk: RESOLUTION,
            ...resolution,
            at: resolution.at.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { resolution, won: true };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      const standing = await this.resolution(resolution.requestId);
      if (standing === undefined) throw error;
      return { resolution: standing, won: false };
    }
  }

  async resolution(requestId: string): Promise<ApprovalResolution | undefined> {
    const item = await this.item(requestId, RESOLUTION);
    if (item === undefined) return undefined;
    return {
      requestId,
      outcome: item.outcome as ApprovalResolution['outcome'],
      at: new Date(item.at as string),
      ...(item.by === undefined ? {} : { by: item.by as string }),
    };
  }

  async renewCallbackToken(requestId: string, callbackToken: string): Promise<void> {
    if ((await this.item(requestId, REQUEST)) === undefined)
      throw new StrongroomError('STORE.NOT_FOUND', `no approval request ${requestId}`);
    const latest = await this.latestToken(requestId);
    const seq = latest === undefined ? 1 : Number((latest.sk as string).slice(TOKEN_PREFIX.length)) + 1;
    const sealedToken = await this.sealer.seal(callbackToken, tokenContext(requestId));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: requestKey(requestId), sk: `${TOKEN_PREFIX}${String(seq).padStart(6, '0')}`, sealedToken },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw conditionFailed(error)
        ? new StrongroomError('STORE.CONFLICT', `the callback token of ${requestId} was renewed concurrently: retry`)
        : error;
    }
  }

  async callbackToken(requestId: string): Promise<string> {
    const item = (await this.latestToken(requestId)) ?? (await this.item(requestId, REQUEST));
    if (item === undefined) throw new StrongroomError('STORE.NOT_FOUND', `no approval request ${requestId}`);
    return this.sealer.open(item.sealedToken as string, tokenContext(requestId));
  }

  /** The newest renewed token, if the workflow waited again after a restart. */
  private async latestToken(requestId: string): Promise<Record<string, unknown> | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :token)',
        ExpressionAttributeValues: { ':pk': requestKey(requestId), ':token': TOKEN_PREFIX },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0];
  }

  private async item(requestId: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: requestKey(requestId), sk }, ConsistentRead: true }),
    );
    return Item;
  }
}

const tokenContext = (requestId: string) => ({ purpose: 'workflow-callback-token', approvalRequestId: requestId });

const conditionFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';
