import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from './stand-in-client-config';

describe('Secrets Manager stand-in, through the SDK', () => {
  let aws: AwsStandIns;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    aws = await startAwsStandIns({ region: 'ap-southeast-2', account: '333333333333' });
    client = new SecretsManagerClient(standInClientConfig(aws.endpoints.secretsManager, aws.region));
  });
  afterAll(async () => {
    client.destroy();
    await aws.stop();
  });

  it('answers GetSecretValue by name, full ARN and ARN without its suffix', async () => {
    const { arn, versionId } = aws.secrets.putSecret('strongroom/page-token-key', 'aa'.repeat(32));
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:ap-southeast-2:333333333333:secret:strongroom\/page-token-key-[A-Za-z0-9]{6}$/,
    );
    for (const secretId of [`strongroom/page-token-key`, arn, arn.slice(0, -7)]) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      expect(out).toMatchObject({
        ARN: arn,
        Name: 'strongroom/page-token-key',
        VersionId: versionId,
        SecretString: 'aa'.repeat(32),
        VersionStages: ['AWSCURRENT'],
      });
    }
  });

  it('a new value becomes AWSCURRENT and the one before AWSPREVIOUS; binary values come back as bytes', async () => {
    aws.secrets.putSecret('rotating', 'first');
    const second = aws.secrets.putSecret('rotating', 'second');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'rotating' }))).SecretString).toBe('second');
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('first');
    expect(
      (await client.send(new GetSecretValueCommand({ SecretId: 'rotating', VersionId: second.versionId })))
        .SecretString,
    ).toBe('second');

    aws.secrets.putSecret('binary', Uint8Array.of(1, 2, 3));
    const binary = await client.send(new GetSecretValueCommand({ SecretId: 'binary' }));
    expect(binary.SecretString).toBeUndefined();
    expect([...binary.SecretBinary!]).toEqual([1, 2, 3]);
  });

  it('answers an unknown secret or stage with ResourceNotFoundException', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nothing' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    aws.secrets.putSecret('single', 'x');
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'single', VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
