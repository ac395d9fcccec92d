import { CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CO_SIGNER_ENV } from '../../lambdas/co-signer/co-signer-composition';
import { ENV } from '../../lambdas/composition/function-manifest';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../lambdas/composition/runtime-config';
import type { EnclavePcrs } from '../enclave/enclave-context';
import { FUNCTION_ROLE_TAG } from '../keys/deployment-keys';
import { housekeepingEnvironment } from '../functions/function-environment';
import { bundledFunction, FUNCTION_NAME_TAG } from '../functions/strongroom-function';
import type { StatefulResources } from '../strongroom-stateful-stack';

/** The co-signer function's name in logs, metrics and tags. */
export const CO_SIGNER_FUNCTION_NAME = 'co-signer';

/** What a caller may do with the co-signer function: invoke it, synchronously. */
export const CO_SIGNER_INVOKE_ACTIONS = ['lambda:InvokeFunction'] as const;

export interface CoSignerFunctionProps {
  readonly stateful: StatefulResources;
  /** The deployment id and the approval key's address: the same parameters the custody functions read. */
  readonly deploymentId: string;
  readonly approvalKeyAddress: string;
  /** The enclave image's PCRs (enclave context): what a session's or a key's attestation must show. */
  readonly pcrs: EnclavePcrs;
  readonly logsKey: IKey;
}

/**
 * The co-signer (issue 16): one Lambda function (lambdas/co-signer/handler.ts) with its own role, named
 * as the co-signer key's policy expects (lib/co-signer/co-signer-key.ts), which may do exactly this:
 * append to and read the `coSigner` table (conditional puts, Get, Query; UpdateItem, DeleteItem and
 * the rest denied), Decrypt under the co-signer key with a share 2 context, and write its own log group
 * and traces. No other function is granted that table or that key.
 *
 * Its configuration is its own: the deployment id and approval key address (the same parameters as the
 * custody functions), the enclave image's PCRs and the AWS Nitro root (literals of this synth), its
 * table and key, and its caps from the `CoSignerCaps` parameter. Deny by default: the parameter's
 * default `{}` caps nothing, so every release is refused until the deployment names its caps, as
 * `{"default":{"native":"<base units>","0x<ERC-20>":"<base units>"},"wallets":{"<walletId>":{…}}}` (the
 * most released per asset per wallet in any 24 h; lambdas/co-signer/co-signer-config.ts `capsFromJson`).
 *
 * {@link grantInvoke} is the only way to call it: lambda:InvokeFunction on this function, given to the
 * functions whose manifest names `coSigner` (with the variable that names it) and to the enclave host.
 */
export class CoSignerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CoSignerFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { stateful } = props;
    const { coSignerKey } = stateful;
    // A parameter, named by its id on the stack as DeploymentParameters' are.
    const caps = new CfnParameter(stack, 'CoSignerCaps', {
      type: 'String',
      default: '{}',
      description:
        "STRONGROOM_CO_SIGNER_CAPS: the co-signer's own daily caps, JSON " +
        '{"default":{"native":"<base units>","0x<token>":"<base units>"},"wallets":{"<walletId>":{...}}}; ' +
        'an asset with no cap is never released ({} refuses every release)',
      minLength: 2,
    }).valueAsString;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      roleName: coSignerKey.coSignerRoleName,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'strongroom co-signer: its own table (append-only) and Decrypt under its own key, nothing else',
    });
    // A function role like the custody functions': the keys' policies refuse it retagging.
    Tags.of(this.role).add(FUNCTION_ROLE_TAG.key, FUNCTION_ROLE_TAG.value);
    this.logGroup.grantWrite(this.role);
    stateful.tables.grantAppend(this.role, 'coSigner');
    coSignerKey.grantDecrypt(this.role);

    this.function = bundledFunction(this, {
      description: 'strongroom co-signer: registers, releases (after its own checks) and retires share 2 of mpc keys',
      entry: 'lambdas/co-signer/handler.ts',
      // KMS Decrypt, one attestation check and a few conditional writes; the host waits 20 s for an answer.
      timeoutSeconds: 15,
      memoryMb: 1024,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        [CO_SIGNER_ENV.deploymentId]: props.deploymentId,
        [CO_SIGNER_ENV.approvalKeyAddress]: props.approvalKeyAddress,
        [CO_SIGNER_ENV.enclavePcrs]: JSON.stringify(props.pcrs),
        [CO_SIGNER_ENV.attestationRoot]: AWS_NITRO_ATTESTATION_ROOT,
        [CO_SIGNER_ENV.caps]: caps,
        [CO_SIGNER_ENV.table]: stateful.tables.tables.coSigner.tableName,
        [CO_SIGNER_ENV.keyArn]: coSignerKey.key.keyArn,
        ...housekeepingEnvironment(CO_SIGNER_FUNCTION_NAME),
      },
    });
    Tags.of(this).add(FUNCTION_NAME_TAG, CO_SIGNER_FUNCTION_NAME);
  }

  /** Lets `role` invoke the co-signer, and nothing else of it. */
  grantInvoke(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...CO_SIGNER_INVOKE_ACTIONS], resources: [this.function.functionArn] }),
    );
  }

  /** A custody function whose manifest names `coSigner`: the variable that names the co-signer, and the invoke grant. */
  bindCaller(fn: { readonly function: NodejsFunction; readonly role: IRole }): void {
    fn.function.addEnvironment(ENV.coSignerFunction, this.function.functionName);
    this.grantInvoke(fn.role);
  }
}
