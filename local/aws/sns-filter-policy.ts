/**
 * SNS subscription filter policies on message attributes (FilterPolicyScope `MessageAttributes`):
 * every key of the policy must match (AND); a key matches when any of its conditions does (OR).
 * Conditions: a string (exact, case-sensitive), a number (numeric equality with a `Number`
 * attribute), `{"anything-but": value | [values] | {"prefix": …}}`, `{"prefix": …}`, `{"suffix": …}`,
 * `{"equals-ignore-case": …}`, `{"exists": true|false}`, `{"numeric": [">", 0, "<=", 5]}`.
 * A `String.Array` attribute matches when any of its elements does; `Binary` attributes never match.
 *
 * Left out: `$or`, `cidr`, `wildcard`, nested (MessageBody-scope) policies, and SNS's limits on a
 * policy's size and combinations.
 */

export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export type SnsFilterPolicy = Readonly<Record<string, readonly unknown[]>>;

/** Thrown for a policy SNS would refuse (InvalidParameter at Subscribe / SetSubscriptionAttributes). */
export class FilterPolicyError extends Error {
  override readonly name = 'FilterPolicyError';
}

const OPERATORS = new Set(['anything-but', 'prefix', 'suffix', 'equals-ignore-case', 'exists', 'numeric']);
const COMPARISONS = new Set(['=', '<', '<=', '>', '>=']);

/** Parses and checks a FilterPolicy attribute's JSON. */
export function parseFilterPolicy(json: string): SnsFilterPolicy {
  let policy: unknown;
  try {
    policy = JSON.parse(json);
  } catch {
    throw new FilterPolicyError('FilterPolicy: failed to parse JSON');
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    throw new FilterPolicyError('FilterPolicy: the policy must be a JSON object');
  for (const [key, conditions] of Object.entries(policy)) {
    if (!Array.isArray(conditions))
      throw new FilterPolicyError(
        `FilterPolicy: "${key}" must be an array of conditions (nested policies are not served)`,
      );
    for (const condition of conditions) checkCondition(key, condition);
  }
  return policy as SnsFilterPolicy;
}

function checkCondition(key: string, condition: unknown): void {
  if (typeof condition === 'string' || typeof condition === 'number' || condition === null) return;
  if (typeof condition !== 'object' || Array.isArray(condition))
    throw new FilterPolicyError(`FilterPolicy: "${key}": unsupported condition ${JSON.stringify(condition)}`);
  const entries = Object.entries(condition as Record<string, unknown>);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined || !OPERATORS.has(operator))
    throw new FilterPolicyError(`FilterPolicy: "${key}": unsupported condition ${JSON.stringify(condition)}`);
  if (operator === 'exists' && typeof operand !== 'boolean')
    throw new FilterPolicyError(`FilterPolicy: "${key}": exists takes true or false`);
  if (operator === 'numeric') numericPairs(key, operand);
  if (
    (operator === 'prefix' || operator === 'suffix' || operator === 'equals-ignore-case') &&
    typeof operand !== 'string'
  )
    throw new FilterPolicyError(`FilterPolicy: "${key}": ${operator} takes a string`);
}

function numericPairs(key: string, operand: unknown): [string, number][] {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4)
    throw new FilterPolicyError(`FilterPolicy: "${key}": numeric takes one or two [operator, number] pairs`);
  const pairs: [string, number][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const [op, value] = [operand[i] as unknown, operand[i + 1] as unknown];
    if (typeof op !== 'string' || !COMPARISONS.has(op) || typeof value !== 'number')
      throw new FilterPolicyError(`FilterPolicy: "${key}": numeric takes one or two [operator, number] pairs`);
    pairs.push([op, value]);
  }
  return pairs;
}

/** The values an attribute offers to matching: strings and numbers, none for Binary. */
function valuesOf(attribute: SnsMessageAttribute): (string | number)[] {
  const text = attribute.StringValue ?? '';
  if (attribute.DataType.startsWith('Number')) return [Number(text)];
  if (attribute.DataType.startsWith('String.Array')) {
    try {
      const items = JSON.parse(text) as unknown;
      return Array.isArray(items)
        ? items.filter((i): i is string | number => typeof i === 'string' || typeof i === 'number')
        : [];
    } catch {
      return [];
    }
  }
  if (attribute.DataType.startsWith('String')) return [text];
  return [];
}

/** True when a message with these attributes is delivered to a subscription with this policy. */
export function matchesFilterPolicy(
  policy: SnsFilterPolicy,
  attributes: Readonly<Record<string, SnsMessageAttribute>>,
): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    const attribute = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    return conditions.some((condition) => matchesCondition(condition, attribute));
  });
}

function matchesCondition(condition: unknown, attribute: SnsMessageAttribute | undefined): boolean {
  if (typeof condition === 'object' && condition !== null && 'exists' in condition)
    return (condition as { exists: boolean }).exists === (attribute !== undefined);
  if (attribute === undefined) return false;
  const values = valuesOf(attribute);
  if (typeof condition === 'object' && condition !== null && 'anything-but' in condition) {
    const excluded = (condition as { 'anything-but': unknown })['anything-but'];
    if (typeof excluded === 'object' && excluded !== null && !Array.isArray(excluded) && 'prefix' in excluded) {
      const prefix = String((excluded as { prefix: unknown }).prefix);
      return values.length > 0 && values.every((v) => typeof v !== 'string' || !v.startsWith(prefix));
    }
    const list = Array.isArray(excluded) ? excluded : [excluded];
    return values.length > 0 && values.every((v) => !list.includes(v));
  }
  return values.some((value) => matchesValue(condition, value));
}

function matchesValue(condition: unknown, value: string | number): boolean {
  if (typeof condition === 'string') return value === condition;
  if (typeof condition === 'number') return value === condition;
  if (typeof condition !== 'object' || condition === null) return false;
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase();
    case 'numeric':
      return (
        typeof value === 'number' &&
        !Number.isNaN(value) &&
        numericPairs('numeric', operand).every(([op, bound]) => compare(op, value, bound))
      );
    default:
      return false;
  }
}

function compare(op: string, value: number, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    default:
      return value >= bound;
  }
}
