import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { StrongroomError } from '../../domain/errors';
import type { IdempotencyGuard } from '../../ports/idempotency-guard';

interface GuardedCall {
  readonly idempotencyKey: string;
  readonly payload: unknown;
}

/**
 * The idempotency guard on Powertools' DynamoDB persistence layer. The record key is the caller's
 * scope (its principal) and the normalised key; the payload is hashed and checked, so the same key
 * with another body is detected rather than answered with the first result.
 */
export class PowertoolsIdempotencyGuard implements IdempotencyGuard {
  private readonly persistenceStore: DynamoDBPersistenceLayer;

  /**
   * @param inProgressTimeoutMs how long a started operation holds its key: past it, a repeat may run
   *   (a crashed first attempt must not lock the key until the record expires).
   */
  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly expiresAfterSeconds = 24 * 60 * 60,
    private readonly inProgressTimeoutMs = 30_000,
  ) {
    this.persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  }

  async run<T>(request: { scope: string; key: string; payload: unknown }, operation: () => Promise<T>): Promise<T> {
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      payloadValidationJmesPath: 'payload',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: this.expiresAfterSeconds,
    });
    // Powertools bounds an in-progress record by the Lambda's remaining time; we give it our bound.
    config.registerLambdaContext({ getRemainingTimeInMillis: () => this.inProgressTimeoutMs } as Context);
    const guarded = makeIdempotent(async (_call: GuardedCall) => operation(), {
      persistenceStore: this.persistenceStore,
      config,
    });
    try {
      return (await guarded({ idempotencyKey: `${request.scope}#${request.key}`, payload: request.payload })) as T;
    } catch (error) {
      throw translate(error);
    }
  }
}

function translate(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new StrongroomError(
      'IDEMPOTENCY.KEY_REUSED',
      'this Idempotency-Key was already used with a different request body',
      { cause: error },
    );
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new StrongroomError(
      'IDEMPOTENCY.IN_PROGRESS',
      'a request with this Idempotency-Key is still being processed; retry shortly',
      { cause: error },
    );
  }
  return error;
}
