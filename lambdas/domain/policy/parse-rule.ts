import { parseAbiItem, toFunctionSelector, type AbiFunction, type AbiParameter } from 'viem';
import { ERC20_ABI } from '../intents';
import { ROLES } from '../principal';
import { parseApproval } from './parse-approval';
import {
  compact,
  field,
  invalid,
  item,
  readAddress,
  readAmount,
  readArray,
  readAsset,
  readBoolean,
  readDistinct,
  readEnum,
  readInteger,
  readObject,
  readOptional,
  readString,
} from './policy-fields';
import {
  UNLIMITED_ALLOWANCE_MIN,
  type ActionType,
  type AllowanceMatch,
  type PolicyContext,
  type AmountRange,
  type ArgumentLimit,
  type ContractCallMatch,
  type CounterpartyMatch,
  type Operation,
  type Rule,
  type RuleAction,
  type RuleMatch,
  type SideEffect,
} from './policy';

const RULE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const ACTION_TYPES: readonly ActionType[] = ['ALLOW', 'REQUIRE_APPROVAL', 'BLOCK'];
const OPERATIONS: readonly Operation[] = ['transfer', 'approve', 'transferFrom'];
const SIDE_EFFECTS: readonly SideEffect[] = ['NOTIFY', 'FREEZE', 'LOCKDOWN'];
const INTEGER_TYPE = /^u?int[0-9]*$/;

// ERC-20 calls in data are decoded into transfer/approve intents, never contract calls: a
// contract-call rule for them could never match, and its author would believe it does.
const ERC20_SELECTORS = new Set<string>(ERC20_ABI.map((abiItem) => toFunctionSelector(abiItem)));

/** Parses one entry of `rules`; duplicate ids are the caller's concern. */
export function parseRule(value: unknown, path: string, context: PolicyContext): Rule {
  const raw = readObject(value, path, ['id', 'description', 'match', 'action', 'escalate']);
  const id = readString(raw.id, field(path, 'id'));
  if (!RULE_ID.test(id)) invalid(field(path, 'id'), 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_", "." or "-"');
  const action = parseAction(raw.action, field(path, 'action'), context);
  const escalate = readOptional(raw, path, 'escalate', (v, p) => readEnum(v, p, SIDE_EFFECTS));
  if (escalate !== undefined && action.type !== 'BLOCK')
    invalid(field(path, 'escalate'), 'only a BLOCK rule escalates');
  return compact({
    id,
    description: readOptional(raw, path, 'description', readString),
    match: parseMatch(raw.match, field(path, 'match')),
    action,
    escalate,
  });
}

function parseAction(value: unknown, path: string, context: PolicyContext): RuleAction {
  const raw = readObject(value, path, ['type', 'quorum', 'approverGroup', 'timeoutSeconds']);
  const type = readEnum(raw.type, field(path, 'type'), ACTION_TYPES);
  if (type === 'REQUIRE_APPROVAL') return { type, ...parseApproval(raw, path, context) };
  readObject(value, path, ['type']); // ALLOW and BLOCK carry nothing else
  return { type };
}

function parseMatch(value: unknown, path: string): RuleMatch {
  const raw = readObject(value, path, [
    'assets',
    'counterparty',
    'amount',
    'initiatorRoles',
    'operations',
    'contractCall',
    'allowance',
  ]);
  if (raw.contractCall !== undefined && raw.operations !== undefined) {
    invalid(field(path, 'operations'), 'does not apply to a contractCall rule, which matches contract calls only');
  }
  const operations = readOptional(raw, path, 'operations', (v, p) =>
    readDistinct(v, p, (o, op) => readEnum(o, op, OPERATIONS)),
  );
  if (raw.allowance !== undefined) requireApproveOnly(raw, path, operations);
  return compact({
    assets: readOptional(raw, path, 'assets', (v, p) => readDistinct(v, p, readAsset)),
    counterparty: readOptional(raw, path, 'counterparty', parseCounterparty),
    amount: readOptional(raw, path, 'amount', parseAmountRange),
    initiatorRoles: readOptional(raw, path, 'initiatorRoles', (v, p) =>
      readDistinct(v, p, (r, rp) => readEnum(r, rp, ROLES)),
    ),
    operations,
    contractCall: readOptional(raw, path, 'contractCall', parseContractCall),
    allowance: readOptional(raw, path, 'allowance', parseAllowance),
  });
}

// An allowance rule judges approvals only, and names its spenders and bound itself: a second,
// generic spender list or amount range beside it would leave a reader guessing which one applies.
function requireApproveOnly(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  operations: readonly Operation[] | undefined,
): void {
  if (operations === undefined || operations.length !== 1 || operations[0] !== 'approve') {
    invalid(field(path, 'allowance'), 'applies to approvals only: the rule must say operations: ["approve"]');
  }
  if (raw.counterparty !== undefined) {
    invalid(field(path, 'counterparty'), 'does not apply beside allowance: list the spenders in allowance.spenders');
  }
  if (raw.amount !== undefined) {
    invalid(field(path, 'amount'), 'does not apply beside allowance: bound the allowance with allowance.maxAllowance');
  }
}

function parseAllowance(value: unknown, path: string): AllowanceMatch {
  const raw = readObject(value, path, ['spenders', 'maxAllowance', 'unlimited']);
  const spenders = readDistinct(raw.spenders, field(path, 'spenders'), readAddress);
  const maxAllowance = readOptional(raw, path, 'maxAllowance', readAmount);
  const unlimited = readOptional(raw, path, 'unlimited', readBoolean);
  if (maxAllowance !== undefined && maxAllowance >= UNLIMITED_ALLOWANCE_MIN) {
    invalid(
      field(path, 'maxAllowance'),
      'must be below 2^255: an allowance that large is unlimited, which only unlimited: true allows',
    );
  }
  if (maxAllowance !== undefined && unlimited === true) {
    invalid(
      field(path, 'unlimited'),
      'contradicts maxAllowance: an unlimited allowance has no maximum, set one or the other',
    );
  }
  return compact({ spenders, maxAllowance, unlimited });
}

function parseCounterparty(value: unknown, path: string): CounterpartyMatch {
  const raw = readObject(value, path, ['type', 'addresses']);
  const type = readEnum(raw.type, field(path, 'type'), ['any', 'allowlist', 'denylist']);
  if (type === 'any') {
    readObject(value, path, ['type']);
    return { type };
  }
  return { type, addresses: readDistinct(raw.addresses, field(path, 'addresses'), readAddress) };
}

function parseAmountRange(value: unknown, path: string): AmountRange {
  const raw = readObject(value, path, ['min', 'max']);
  if (raw.min === undefined && raw.max === undefined) invalid(path, 'must set min, max or both');
  return readBounds(raw, path);
}

/** Reads optional inclusive `min`/`max`, refusing min > max. */
function readBounds(raw: Readonly<Record<string, unknown>>, path: string): AmountRange {
  const min = readOptional(raw, path, 'min', readAmount);
  const max = readOptional(raw, path, 'max', readAmount);
  if (min !== undefined && max !== undefined && min > max) invalid(field(path, 'min'), `must not exceed max (${max})`);
  return compact({ min, max });
}

function parseContractCall(value: unknown, path: string): ContractCallMatch {
  const raw = readObject(value, path, ['target', 'signature', 'args']);
  const target = readAddress(raw.target, field(path, 'target'));
  const signature = readString(raw.signature, field(path, 'signature'));
  const fn = parseFunction(signature, field(path, 'signature'));
  const selector = toFunctionSelector(fn);
  if (ERC20_SELECTORS.has(selector)) {
    invalid(
      field(path, 'signature'),
      'is an ERC-20 transfer or approval, judged as such: use a rule with operations instead',
    );
  }
  const args = readOptional(raw, path, 'args', (v, p) => parseArgumentLimits(v, p, fn.inputs));
  return compact({ target, signature, selector, parameters: fn.inputs, args });
}

function parseFunction(signature: string, path: string): AbiFunction {
  try {
    return parseAbiItem(`function ${signature}`) as AbiFunction;
  } catch {
    return invalid(path, 'does not parse as a function signature such as "deposit(uint256,address)"');
  }
}

function parseArgumentLimits(
  value: unknown,
  path: string,
  parameters: readonly AbiParameter[],
): readonly ArgumentLimit[] {
  const limits = readArray(value, path, { nonEmpty: true }).map((limit, i) =>
    parseArgumentLimit(limit, item(path, i), parameters),
  );
  const duplicate = limits.findIndex((limit, i) => limits.findIndex((other) => other.index === limit.index) !== i);
  if (duplicate !== -1)
    invalid(field(item(path, duplicate), 'index'), 'names an argument another entry limits already');
  return limits;
}

function parseArgumentLimit(value: unknown, path: string, parameters: readonly AbiParameter[]): ArgumentLimit {
  const raw = readObject(value, path, ['index', 'min', 'max', 'oneOf']);
  const index = readInteger(raw.index, field(path, 'index'), 0);
  const type = parameters[index]?.type;
  if (type === undefined)
    invalid(field(path, 'index'), `is out of range: the function takes ${parameters.length} argument(s)`);
  if (raw.min === undefined && raw.max === undefined && raw.oneOf === undefined)
    invalid(path, 'must set min, max or oneOf');
  if ((raw.min !== undefined || raw.max !== undefined) && !INTEGER_TYPE.test(type)) {
    invalid(
      field(path, raw.min === undefined ? 'max' : 'min'),
      `applies to integer arguments only, argument ${index} is ${type}`,
    );
  }
  if (raw.oneOf !== undefined && type !== 'address') {
    invalid(field(path, 'oneOf'), `applies to address arguments only, argument ${index} is ${type}`);
  }
  const oneOf = readOptional(raw, path, 'oneOf', (v, p) => readDistinct(v, p, readAddress));
  return compact({ index, ...readBounds(raw, path), oneOf });
}
