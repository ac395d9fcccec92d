// `npx tsx scripts/key-address.ts <KMS key ARN>`: the Ethereum address of a secp256k1 KMS key (KMS
// GetPublicKey, with your AWS credentials and region). The stateless stack's ApprovalKeyAddress
// parameter is this address for the stateful stack's ApprovalKeyArn output; every function that signs or
// checks proofs compares the two at cold start and refuses to start when they differ.
import { kmsClient } from '../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../lambdas/adapters/kms/kms-key-vault';

async function main(): Promise<void> {
  const [keyArn] = process.argv.slice(2);
  if (keyArn === undefined || !keyArn.startsWith('arn:aws')) {
    console.error('usage: npx tsx scripts/key-address.ts <KMS key ARN>');
    process.exit(2);
  }
  console.log(await new KmsKeyVault(kmsClient()).addressOf(keyArn));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exit(1);
});
