import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The deploy-time configuration of a deployment (README, "Deploying"): CloudFormation parameters, so one
 * synthesized template serves every deployment. Their values reach the functions as the environment
 * variables the composition reads at cold start, which validates them (a bad value fails the start).
 */
export class DeploymentParameters extends Construct {
  /** JSON array of chain configurations (STRONGROOM_CHAINS); RPC URLs can carry provider keys, hence NoEcho. */
  readonly chains: string;
  /** The approval key's address (0x…, 20 bytes), checked at cold start against the key's public key. */
  readonly approvalKeyAddress: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly jwtJwksUrl: string;
  /** JSON array of screened addresses. */
  readonly denyList: string;
  /** JSON object: chain id → threshold in base units. */
  readonly travelRuleThresholds: string;
  /** Names the deployment in proofs, checkpoints and metrics. */
  readonly deploymentId: string;
  readonly proofValiditySeconds: string;
  readonly confirmationPollSeconds: string;
  /** How long an approved governance change waits, open to veto, before it takes effect. */
  readonly governanceTimeLockSeconds: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    // Parameters are named in the template by their construct id: defined on the stack, not in this construct.
    const parameter = (name: string, props: ConstructorParameters<typeof CfnParameter>[2]): string =>
      new CfnParameter(stack, name, props).valueAsString;

    this.chains = parameter('Chains', {
      type: 'String',
      noEcho: true,
      description: 'STRONGROOM_CHAINS: JSON array of chains (chainId, rpcUrl, confirmations, …)',
      minLength: 2,
    });
    this.approvalKeyAddress = parameter('ApprovalKeyAddress', {
      type: 'String',
      description:
        "The approval key's address. Known once the stateful stack is deployed: its ApprovalKeyArn output, " +
        'GetPublicKey, keccak256 of the public key. Functions refuse to start when it is not that key.',
      allowedPattern: '^0x[0-9a-fA-F]{40}$',
      constraintDescription: 'a 0x-prefixed 20-byte hex address',
    });
    this.jwtIssuer = parameter('JwtIssuer', {
      type: 'String',
      description: "Your identity provider's issuer (iss) of bearer tokens",
      minLength: 1,
    });
    this.jwtAudience = parameter('JwtAudience', {
      type: 'String',
      description: 'The audience (aud) bearer tokens must name',
      minLength: 1,
    });
    this.jwtJwksUrl = parameter('JwtJwksUrl', {
      type: 'String',
      description: "The URL of your identity provider's signing keys (JWKS)",
      allowedPattern: '^https://.+$',
      constraintDescription: 'an https URL',
    });
    this.denyList = parameter('DenyList', {
      type: 'String',
      default: '[]',
      description: 'STRONGROOM_DENY_LIST: JSON array of addresses transfers may never go to',
    });
    this.travelRuleThresholds = parameter('TravelRuleThresholds', {
      type: 'String',
      default: '{}',
      description: 'STRONGROOM_TRAVEL_RULE_THRESHOLDS: JSON object, chain id → amount in base units',
    });
    this.deploymentId = parameter('DeploymentId', {
      type: 'String',
      default: stack.stackName,
      description: 'Names this deployment in proofs, audit checkpoints and metrics (the dimension "deployment")',
      allowedPattern: '^[A-Za-z0-9-]{1,64}$',
      constraintDescription: 'letters, digits and hyphens, at most 64',
    });
    this.proofValiditySeconds = parameter('ProofValiditySeconds', {
      type: 'Number',
      default: 120,
      minValue: 1,
      maxValue: 86_400,
      description: 'How long an authorization proof stays valid, in seconds',
    });
    this.confirmationPollSeconds = parameter('ConfirmationPollSeconds', {
      type: 'Number',
      default: 4,
      minValue: 1,
      maxValue: 86_400,
      description: 'How long the workflow waits between two confirmation checks, in seconds',
    });
    this.governanceTimeLockSeconds = parameter('GovernanceTimeLockSeconds', {
      type: 'Number',
      default: 86_400,
      // Never 0 in a deployment (only the local runtime may skip the wait); at least an hour to veto.
      minValue: 3_600,
      maxValue: 2_592_000,
      description:
        'How long a change that weakens a control waits after its governance quorum, open to veto, ' +
        'before it takes effect, in seconds (default 24 h)',
    });
  }
}
