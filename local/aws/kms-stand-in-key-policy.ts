/**
 * Key policies as the local KMS evaluates them: enough of IAM's policy language to hold the sealing
 * key's policy to the same rule as real KMS, namely "Decrypt and GenerateDataKey only with a Recipient
 * attestation of these PCRs", written (as in the CDK stack) as an Allow with StringEqualsIgnoreCase on
 * `kms:RecipientAttestation:PCRn` plus an explicit Deny with StringNotEqualsIgnoreCase on the same keys.
 *
 * Evaluated: Effect, Action / NotAction (strings or lists, `*` and `?` wildcards, so `kms:*` too) and
 * Condition with StringEquals, StringNotEquals, their IgnoreCase forms, StringLike, StringNotLike, Bool
 * and Null, each operator but Null also with the IfExists suffix. Several values under one key match if
 * any does (for the negated operators: if none does); several keys and operators must all hold. An
 * explicit Deny wins; without an Allow that applies, the request is denied.
 *
 * Not evaluated, because the stand-ins have no IAM: Principal and Resource (every statement applies to
 * every caller; a key policy's Resource is always the key). The only condition keys a request carries
 * are `kms:RecipientAttestation:PCR<n>`, `kms:RecipientAttestation:ImageSha384` (PCR0) and
 * `kms:EncryptionContext:<key>`; any other key (`aws:PrincipalArn`, `kms:CallerAccount`, …) is absent,
 * as if the request did not carry it. An operator outside the list above makes the policy malformed
 * here, so a policy is never half evaluated in silence. A condition value that is a CloudFormation
 * intrinsic (`{"Fn::GetAtt": …}`, `{"Ref": …}`, as in a synthesized template's KeyPolicy) cannot be
 * resolved here and equals no request value.
 */
import { AwsServiceError } from './aws-service-error';

/** The request as a policy sees it. */
export interface KeyPolicyRequest {
  /** `kms:Decrypt`, `kms:GenerateDataKey`, … */
  readonly action: string;
  /** Condition keys (any case) and their values; a key missing here is missing from the request. */
  readonly context: Readonly<Record<string, string>>;
}

type Operator = (values: readonly string[], actual: string | undefined) => boolean;

interface Condition {
  readonly key: string;
  readonly values: readonly string[];
  readonly test: Operator;
}

interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly RegExp[];
  readonly notAction: boolean;
  readonly conditions: readonly Condition[];
}

const MAX_POLICY_CHARS = 32_768;

const same = (a: string, b: string): boolean => a === b;
const sameIgnoringCase = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const like = (pattern: string, value: string): boolean => globOf(pattern, false).test(value);

const positive =
  (match: (expected: string, actual: string) => boolean): Operator =>
  (values, actual) =>
    actual !== undefined && values.some((value) => match(value, actual));
// A negated operator holds when the key is missing: why the explicit Deny catches a request without
// an attestation (it carries no kms:RecipientAttestation keys at all).
const negative =
  (match: (expected: string, actual: string) => boolean): Operator =>
  (values, actual) =>
    actual === undefined || !values.some((value) => match(value, actual));

const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: positive(same),
  StringNotEquals: negative(same),
  StringEqualsIgnoreCase: positive(sameIgnoringCase),
  StringNotEqualsIgnoreCase: negative(sameIgnoringCase),
  StringLike: positive(like),
  StringNotLike: negative(like),
  Bool: positive(sameIgnoringCase),
};

const malformed = (message: string): AwsServiceError =>
  new AwsServiceError('MalformedPolicyDocumentException', message);

export class KeyPolicy {
  private constructor(
    /** The policy as it was given, for GetKeyPolicy. */
    readonly text: string,
    private readonly statements: readonly Statement[],
  ) {}

  /** Parses and checks a policy document; MalformedPolicyDocumentException when it cannot be evaluated. */
  static parse(text: string): KeyPolicy {
    if (text.length > MAX_POLICY_CHARS) throw malformed(`The policy is longer than ${MAX_POLICY_CHARS} characters`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw malformed('The policy is not a JSON document');
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      throw malformed('The policy is not a JSON object');
    const raw = (document as { Statement?: unknown }).Statement;
    const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
    if (list.length === 0) throw malformed('The policy has no Statement');
    return new KeyPolicy(text, list.map(statementOf));
  }

  /** Whether the policy allows the request: no Deny applies, and an Allow does. */
  allows(request: KeyPolicyRequest): boolean {
    const context = new Map(Object.entries(request.context).map(([key, value]) => [key.toLowerCase(), value]));
    const applies = (statement: Statement): boolean =>
      statement.actions.some((action) => action.test(request.action)) !== statement.notAction &&
      statement.conditions.every((condition) => condition.test(condition.values, context.get(condition.key)));
    const applicable = this.statements.filter(applies);
    if (applicable.some((statement) => statement.effect === 'Deny')) return false;
    return applicable.some((statement) => statement.effect === 'Allow');
  }
}

function statementOf(raw: unknown, index: number): Statement {
  const where = `Statement ${index + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed(`${where} is not an object`);
  const statement = raw as Record<string, unknown>;
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed(`${where}: Effect must be Allow or Deny`);
  const hasAction = Object.hasOwn(statement, 'Action');
  if (hasAction === Object.hasOwn(statement, 'NotAction'))
    throw malformed(`${where}: exactly one of Action and NotAction is required`);
  const actions = stringsOf(hasAction ? statement.Action : statement.NotAction, `${where} Action`);
  return {
    effect,
    actions: actions.map((action) => globOf(action, true)),
    notAction: !hasAction,
    conditions: conditionsOf(statement.Condition, where),
  };
}

function conditionsOf(raw: unknown, where: string): Condition[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw malformed(`${where}: Condition is not an object`);
  const conditions: Condition[] = [];
  for (const [name, block] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block))
      throw malformed(`${where}: Condition ${name} is not an object`);
    const test = operatorOf(name, where);
    for (const [key, value] of Object.entries(block as Record<string, unknown>))
      conditions.push({ key: key.toLowerCase(), values: stringsOf(value, `${where} ${name} ${key}`, true), test });
  }
  return conditions;
}

function operatorOf(name: string, where: string): Operator {
  if (name === 'Null')
    return (values, actual) => values.some((value) => (value.toLowerCase() === 'true') === (actual === undefined));
  const ifExists = name.endsWith('IfExists');
  const base = OPERATORS[ifExists ? name.slice(0, -'IfExists'.length) : name];
  if (base === undefined)
    throw malformed(
      `${where}: the local KMS does not evaluate the condition operator ${name} ` +
        `(only ${[...Object.keys(OPERATORS), 'Null'].join(', ')}, and …IfExists)`,
    );
  return ifExists ? (values, actual) => actual === undefined || base(values, actual) : base;
}

/** Stands for a CloudFormation intrinsic in a condition: no request value is ever equal to (or like) it. */
const UNRESOLVED = '\u0000unresolved CloudFormation value';

function stringsOf(value: unknown, where: string, intrinsicsAllowed = false): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw malformed(`${where} is empty`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'boolean' || typeof item === 'number') return String(item);
    if (intrinsicsAllowed && isIntrinsic(item)) return UNRESOLVED;
    throw malformed(`${where} must be a string or a list of strings`);
  });
}

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false));
}

/** IAM's wildcards: `*` any run of characters, `?` one character. Actions are matched without regard to case. */
function globOf(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}
