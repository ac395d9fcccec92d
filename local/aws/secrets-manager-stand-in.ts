/**
 * A local AWS Secrets Manager (`secretsmanager`, awsJson1_1) that serves GetSecretValue for secrets
 * set in code (`putSecret`): SecretString or SecretBinary, by name, full ARN or partial ARN, with
 * VersionId or VersionStage (AWSCURRENT, and AWSPREVIOUS once a secret has a second value).
 *
 * Left out: every other operation (create, update, rotate, delete, describe, list, batch get over
 * HTTP), resource policies, KMS encryption of the values, replication, IAM and SigV4 verification.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AwsJsonInput, AwsJsonService } from './aws-json-protocol';
import { AwsServiceError } from './aws-service-error';
import { jsonInput } from './json-input';

export interface SecretRef {
  /** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>` */
  readonly arn: string;
  readonly versionId: string;
}

interface SecretVersion {
  readonly id: string;
  readonly value: string | Uint8Array;
  readonly created: Date;
  stages: string[];
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly versions: SecretVersion[];
}

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const invalidParameter = (message: string): AwsServiceError =>
  new AwsServiceError('InvalidParameterException', message);
const notFound = (detail = ''): AwsServiceError =>
  new AwsServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret${detail}.`);

/** The Secrets Manager stand-in's state and operations; serve `service` with the JSON protocol layer. */
export class SecretsManagerStandIn {
  readonly service: AwsJsonService;
  private readonly recorded: string[] = [];
  private readonly secrets = new Map<string, Secret>();

  constructor(
    readonly region: string,
    readonly account: string,
  ) {
    this.service = {
      targetPrefix: 'secretsmanager',
      jsonVersion: '1.1',
      signingName: 'secretsmanager',
      onCall: (operation) => this.recorded.push(operation),
      operations: { GetSecretValue: (input) => this.getSecretValue(input) },
    };
  }

  /** Operation names of every request so far, in order. */
  get calls(): readonly string[] {
    return this.recorded;
  }

  /**
   * Creates the secret, or gives it a new value: the new version is AWSCURRENT, the one before it
   * AWSPREVIOUS.
   */
  putSecret(name: string, value: string | Uint8Array): SecretRef {
    if (!NAME.test(name)) throw invalidParameter(`Invalid name: ${name}`);
    let secret = this.secrets.get(name);
    if (secret === undefined) {
      const suffix = [...randomBytes(6)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`,
        versions: [],
      };
      this.secrets.set(name, secret);
    }
    for (const version of secret.versions) {
      version.stages = version.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
    }
    const version: SecretVersion = { id: randomUUID(), value, created: new Date(), stages: ['AWSCURRENT'] };
    secret.versions.push(version);
    return { arn: secret.arn, versionId: version.id };
  }

  private getSecretValue(input: AwsJsonInput): unknown {
    const request = jsonInput(input, invalidParameter);
    const secret = this.find(request.string('SecretId'));
    const versionId = request.optionalString('VersionId');
    const stage = request.optionalString('VersionStage') ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
    const version = secret.versions.find(
      (v) => (versionId === undefined || v.id === versionId) && (stage === undefined || v.stages.includes(stage)),
    );
    if (version === undefined)
      throw notFound(
        versionId === undefined ? ` value for staging label: ${stage ?? ''}` : ` value for VersionId: ${versionId}`,
      );
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(typeof version.value === 'string'
        ? { SecretString: version.value }
        : { SecretBinary: Buffer.from(version.value).toString('base64') }),
      VersionStages: version.stages,
      CreatedDate: version.created.getTime() / 1000,
    };
  }

  /** A secret by name, full ARN, or ARN without its random suffix. */
  private find(secretId: string): Secret {
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId) return secret;
      if (secretId.startsWith('arn:') && secret.arn.slice(0, secret.arn.length - 7) === secretId) return secret;
    }
    throw notFound();
  }
}
