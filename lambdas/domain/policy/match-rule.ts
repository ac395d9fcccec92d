import { decodeAbiParameters, encodeAbiParameters, type AbiParameter, type Hex } from 'viem';
import { sameAddress } from '../address';
import type { ContractCallIntent, Intent } from '../intents';
import type { Principal } from '../principal';
import {
  DEFAULT_OPERATIONS,
  UNLIMITED_ALLOWANCE_MIN,
  type AllowanceMatch,
  type AmountRange,
  type ArgumentLimit,
  type ContractCallMatch,
  type CounterpartyMatch,
  type RuleMatch,
} from './policy';

/** Whether every criterion of `match` holds for this intent and initiator; cheap criteria are checked first. */
export function matchRule(match: RuleMatch, intent: Intent, initiator: Principal): boolean {
  return (
    matchesKind(match, intent) &&
    (match.assets === undefined || isListed(match.assets, intent.asset)) &&
    (match.counterparty === undefined || matchesCounterparty(match.counterparty, intent.counterparty)) &&
    (match.amount === undefined || inRange(intent.amount, match.amount)) &&
    (match.initiatorRoles === undefined || match.initiatorRoles.some((role) => initiator.roles.includes(role))) &&
    (match.contractCall === undefined ||
      (intent.kind === 'contract-call' && matchesContractCall(match.contractCall, intent))) &&
    (match.allowance === undefined || (intent.kind === 'approve' && matchesAllowance(match.allowance, intent)))
  );
}

/** Whether this approve or increaseAllowance grants an "unlimited" allowance (2^255 or more). */
export const isUnlimitedApprove = (intent: Intent): boolean =>
  intent.kind === 'approve' && intent.amount >= UNLIMITED_ALLOWANCE_MIN;

function matchesAllowance(match: AllowanceMatch, intent: Intent): boolean {
  if (!isListed(match.spenders, intent.counterparty)) return false;
  if (isUnlimitedApprove(intent)) return match.unlimited === true;
  return match.maxAllowance === undefined || intent.amount <= match.maxAllowance;
}

// A contract-call rule covers contract calls only, and a generic rule never does: arbitrary data is
// denied unless a rule names its target and function.
function matchesKind(match: RuleMatch, intent: Intent): boolean {
  if (match.contractCall !== undefined) return intent.kind === 'contract-call';
  return intent.kind !== 'contract-call' && (match.operations ?? DEFAULT_OPERATIONS).includes(intent.kind);
}

function matchesCounterparty(match: CounterpartyMatch, counterparty: string): boolean {
  return match.type === 'any' || isListed(match.addresses, counterparty);
}

// Each list is lowercased once, so a deny-list of hundreds of addresses costs one lookup per
// evaluation. Keyed weakly by the (readonly) list of a parsed policy: no state outlives the policy.
const lowercasedLists = new WeakMap<readonly string[], ReadonlySet<string>>();

function isListed(addresses: readonly string[], address: string): boolean {
  let set = lowercasedLists.get(addresses);
  if (set === undefined) {
    set = new Set(addresses.map((a) => a.toLowerCase()));
    lowercasedLists.set(addresses, set);
  }
  return set.has(address.toLowerCase());
}

const inRange = (value: bigint, { min, max }: AmountRange): boolean =>
  (min === undefined || value >= min) && (max === undefined || value <= max);

function matchesContractCall(match: ContractCallMatch, intent: ContractCallIntent): boolean {
  if (!sameAddress(match.target, intent.target) || intent.selector.toLowerCase() !== match.selector) return false;
  const args = decodeArguments(match.parameters, `0x${intent.call.data.slice(10)}`);
  return args !== undefined && (match.args ?? []).every((limit) => withinLimit(limit, args[limit.index]));
}

/**
 * Decodes call arguments, or undefined when they do not decode. Only the canonical encoding is
 * accepted: trailing bytes or dirty padding could be read differently by the contract than here.
 */
function decodeArguments(parameters: readonly AbiParameter[], encoded: Hex): readonly unknown[] | undefined {
  try {
    const args = decodeAbiParameters(parameters, encoded);
    return encodeAbiParameters(parameters, args).toLowerCase() === encoded.toLowerCase() ? args : undefined;
  } catch {
    return undefined;
  }
}

function withinLimit(limit: ArgumentLimit, value: unknown): boolean {
  if (limit.oneOf !== undefined) return typeof value === 'string' && isListed(limit.oneOf, value);
  // viem decodes integers of up to 48 bits as numbers and wider ones as bigints.
  const integer = typeof value === 'number' ? BigInt(value) : value;
  return typeof integer === 'bigint' && inRange(integer, limit);
}
