import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, parseRouteKey, type ApiRouteKey } from '../../lambdas/handlers/api/api-routes';
import type { StrongroomFunction } from '../functions/strongroom-function';
import { GATEWAY_ERROR_RESPONSES, gatewayErrorBody } from './gateway-responses';

/** The stage the API is deployed to: URLs are `…/live/v1/…`. */
export const API_STAGE_NAME = 'live';

/**
 * One access log line per request, in JSON. Only `$context` fields that never hold the query string
 * (which carries approval link secrets) or a header: the resource template, not the raw path.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  xrayTraceId: '$context.xrayTraceId',
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  errorType: '$context.error.responseType',
};

export interface CustodyApiProps {
  /** The API function of each name in the route table. */
  readonly functionNamed: (name: string) => StrongroomFunction;
  readonly logsKey: IKey;
  /** Stage-wide steady rate and burst (requests per second). */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * API v1 on API Gateway (REST, regional), built from the one route table (API_ROUTES): each route a
 * method with a proxy integration to its function. Bearer JWTs are verified by the functions themselves
 * (manifests with `auth: 'jwt'`, at cold start configured with the issuer, audience and JWKS): one
 * verifier, the same in the cloud and locally, and no authorizer cache to make a revoked role linger.
 */
export class CustodyApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: CustodyApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const throttling = props.throttling ?? { rateLimit: 50, burstLimit: 100 };
    this.api = new RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'strongroom API v1',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Execution logs (ERROR level, without data: INFO would log query strings) need the account's
      // API Gateway CloudWatch role; it is one per account and region, kept when this stack goes.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    for (const response of GATEWAY_ERROR_RESPONSES) {
      this.api.addGatewayResponse(`Gateway${response.type.responseType}`, {
        type: response.type,
        ...(response.statusCode !== undefined && { statusCode: response.statusCode }),
        responseHeaders: Object.fromEntries(
          Object.entries({
            'cache-control': 'no-store',
            'content-type': 'application/json',
            ...response.headers,
          }).map(([name, value]) => [name, `'${value}'`]),
        ),
        templates: { 'application/json': gatewayErrorBody(response) },
      });
    }

    const integrations = new Map<string, LambdaIntegration>();
    for (const key of Object.keys(API_ROUTES) as ApiRouteKey[]) {
      const { method, resource } = parseRouteKey(key);
      const functionName = API_ROUTES[key];
      let integration = integrations.get(functionName);
      if (integration === undefined) {
        integration = new LambdaIntegration(props.functionNamed(functionName).function, {
          proxy: true,
          allowTestInvoke: false,
        });
        integrations.set(functionName, integration);
      }
      resourceAt(this.api.root, resource).addMethod(method, integration);
    }

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'No API Gateway authorizer by design: every API function with auth "jwt" verifies the bearer JWT itself ' +
          '(issuer, audience, JWKS, lifetime, roles) before any route runs; GET /v1/health is public on purpose.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          "Bearer JWTs come from the operator's own identity provider (not Cognito) and are verified in the functions.",
      },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated by the functions against their schemas, which answer 400 with the field and the ' +
          "reason in the API's error shape; an API Gateway validator would answer in its own.",
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          "A WAFv2 web ACL is the operator's to associate with the stage (their rate rules, IP sets, managed rule " +
          'groups); the stage is throttled here.',
      },
      {
        id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        reason:
          'CT.LAMBDA.PR.2: each permission names apigateway.amazonaws.com with SourceArn = this API’s own execute-api ' +
          'ARN for that method; the rule reads only a literal string or a resource reference, not the Fn::Join an ' +
          'account-agnostic template needs.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-wide API Gateway CloudWatch role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS ' +
          'documents for it (execution logs need it).',
      },
    );
  }

  /** The URL of the stage (`https://…/live/`). */
  get url(): string {
    return this.api.url;
  }
}

/** The resource of a template such as `/v1/wallets/{id}/policy`, created along the way. */
function resourceAt(root: IResource, template: string): IResource {
  let resource = root;
  for (const part of template.split('/').filter((p) => p.length > 0)) {
    resource = resource.getResource(part) ?? resource.addResource(part);
  }
  return resource;
}
