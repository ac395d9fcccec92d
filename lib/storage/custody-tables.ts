import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  TABLE_NAMES,
  TABLE_SCHEMAS,
  type TableName,
  type TableNames,
} from '../../lambdas/adapters/dynamodb/table-schema';

/** What no function may ever do to an append-only table. */
export const APPEND_ONLY_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLInsert',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
] as const;

/** What a function that appends to a table gets: conditional puts, reads, and condition checks. */
export const APPEND_ONLY_ALLOWED_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/** What a function that only reads a table gets (tableAccess 'read'). */
export const READ_ONLY_ALLOWED_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

/** What a stream consumer gets on one table's stream. */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
] as const;

/**
 * The strongroom tables, built from the same schema module the local bootstrap reads. Retained on
 * stack deletion, protected against deletion, point-in-time recovery on; the append-only tables
 * stream their changes so that any MODIFY or REMOVE can raise an alarm.
 */
export class CustodyTables extends Construct {
  readonly tables: { readonly [T in TableName]: Table };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, this.table(name)])) as unknown as {
      [T in TableName]: Table;
    };
  }

  /** Physical names, for the functions' environment. */
  get names(): TableNames {
    return Object.fromEntries(TABLE_NAMES.map((name) => [name, this.tables[name].tableName])) as unknown as TableNames;
  }

  /**
   * Lets `grantee` append to and read `name`, and explicitly denies every way of changing or
   * removing what is there, so that no later grant can widen it by accident.
   */
  grantAppend(grantee: IGrantable, name: TableName): void {
    this.grant(grantee, name, APPEND_ONLY_ALLOWED_ACTIONS);
  }

  /** Lets `grantee` read `name` (Get, Query), with the same explicit denies as {@link grantAppend}. */
  grantRead(grantee: IGrantable, name: TableName): void {
    this.grant(grantee, name, READ_ONLY_ALLOWED_ACTIONS);
  }

  /** The table's ARN and each of its indexes' by name: no wildcard, so a grant never reaches an index added later without review. */
  arnsOf(name: TableName): string[] {
    const table = this.tables[name];
    const schema = TABLE_SCHEMAS[name];
    const indexes = [...schema.globalIndexes, ...schema.localIndexes].map(
      (index) => `${table.tableArn}/index/${index.name}`,
    );
    return [table.tableArn, ...indexes];
  }

  /**
   * Lets a stream consumer read `name`'s stream: on that stream's ARN only, where CDK's own grant adds
   * dynamodb:ListStreams on `*`.
   */
  grantStreamRead(grantee: IGrantable, name: TableName): void {
    const streamArn = this.tables[name].tableStreamArn;
    if (streamArn === undefined) throw new Error(`table ${name} has no stream`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...STREAM_READ_ACTIONS], resources: [streamArn] }),
    );
  }

  private grant(grantee: IGrantable, name: TableName, actions: readonly string[]): void {
    const resources = this.arnsOf(name);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources }),
    );
    if (TABLE_SCHEMAS[name].appendOnly) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ effect: Effect.DENY, actions: [...APPEND_ONLY_DENIED_ACTIONS], resources }),
      );
    }
  }

  private table(name: TableName): Table {
    const schema = TABLE_SCHEMAS[name];
    const table = new Table(this, pascal(name), {
      partitionKey: { name: schema.partitionKey, type: AttributeType.STRING },
      ...(schema.sortKey && { sortKey: { name: schema.sortKey, type: AttributeType.STRING } }),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(schema.timeToLiveAttribute && { timeToLiveAttribute: schema.timeToLiveAttribute }),
      ...(schema.appendOnly && { stream: StreamViewType.NEW_AND_OLD_IMAGES }),
    });
    for (const index of schema.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        ...(index.sortKey && { sortKey: { name: index.sortKey, type: AttributeType.STRING } }),
      });
    }
    for (const index of schema.localIndexes) {
      table.addLocalSecondaryIndex({
        indexName: index.name,
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }
    return table;
  }
}

const pascal = (name: string): string => `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}Table`;
