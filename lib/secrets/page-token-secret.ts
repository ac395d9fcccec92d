import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The page-token MAC key of a deployment: 64 random letters and digits that Secrets Manager generates
 * once; functions read it at cold start and hash it into the MAC key (lambdas/adapters/secrets).
 */
export class PageTokenSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'strongroom: the page-token MAC key (random text, hashed into the key at cold start)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated automatically: each function instance reads the key once at cold start, so a rotation would ' +
        'leave instances disagreeing on it (a page token from one refused by another) until every instance is ' +
        'recycled; rotate by updating the secret and redeploying the functions.',
    });
  }

  /** Read the secret (the default aws/secretsmanager key needs no grant of ours). */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );
  }
}
