import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStrongroomApp } from '../../../lib/strongroom-app';

/** The context `cdk synth` runs with: cdk.json's, feature flags included, so the tests see that template. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/**
 * The strongroom app as `cdk synth` builds it, in a fresh output directory. Without bundling unless
 * asked (template tests need the template, not the code): `aws:cdk:bundling-stacks: []` skips esbuild.
 */
export function synthStrongroom(
  options: {
    readonly bundling?: boolean;
    readonly outdir?: string;
    /** Context beside cdk.json's, as `cdk synth -c key=value` gives it (the enclave host's, say). */
    readonly context?: Record<string, unknown>;
  } = {},
) {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'strongroom-cdk-'));
  const built = buildStrongroomApp({
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundling === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  return { ...built, outdir };
}

/** Both templates of an app (synthesizing it, checks included, if it was not yet). */
export function templatesOf(built: ReturnType<typeof synthStrongroom>) {
  return { stateful: Template.fromStack(built.stateful), stateless: Template.fromStack(built.stateless) };
}

export interface IamStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** A value as canonical JSON (object keys sorted), to compare CloudFormation expressions as strings. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** One grant per (effect, action, resource, condition): what a statement allows or denies, one line each. */
export function grantLines(statements: readonly IamStatement[]): string[] {
  return statements.flatMap((statement) => {
    const actions = ([] as string[]).concat(statement.Action);
    const resources = ([] as unknown[]).concat(statement.Resource);
    const condition = statement.Condition === undefined ? '' : ` if ${canonical(statement.Condition)}`;
    return actions.flatMap((action) =>
      resources.map((resource) => `${statement.Effect} ${action} on ${canonical(resource)}${condition}`),
    );
  });
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The statements of every AWS::IAM::Policy attached to the role with logical id `roleId`. */
export function roleStatements(template: Template, roleId: string): IamStatement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties?.Roles as unknown[]).some((role) => canonical(role) === canonical({ Ref: roleId })),
    )
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: IamStatement[] }).Statement);
}

/** Every IAM policy statement of a template: policies, roles' inline policies, managed policies. */
export function allIamStatements(template: Template): IamStatement[] {
  const docs: { Statement: IamStatement[] }[] = [];
  const all = template.toJSON().Resources as Resources;
  for (const resource of Object.values(all)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(props.PolicyDocument as { Statement: IamStatement[] });
    if (resource.Type === 'AWS::IAM::Role')
      for (const inline of (props.Policies as { PolicyDocument: { Statement: IamStatement[] } }[] | undefined) ?? [])
        docs.push(inline.PolicyDocument);
  }
  return docs.flatMap((doc) => doc.Statement);
}
