import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The page-token MAC key of a deployment, read once at cold start from the Secrets Manager secret
 * the stateful stack generates (random text of at least 32 characters). The key is the SHA-256 of
 * that text, so every instance derives the same 32 bytes and the text never leaves the function.
 */
export async function readPageTokenSecret(
  secretArn: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<Buffer> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (SecretString === undefined || SecretString.length < 32)
    throw new Error('configuration: the page-token secret must hold at least 32 characters of text');
  return createHash('sha256').update(SecretString, 'utf8').digest();
}
