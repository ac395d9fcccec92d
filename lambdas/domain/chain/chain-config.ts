import { parseAddress, type Address } from '../address';
import { ValidationError } from '../errors';
import { parseAmount } from '../money';
import { expectObject, join, rejectUnknownFields } from '../validation';

/** An ERC-20 token the deployment recognises: deposits of any other token are recorded and ignored. */
export interface TokenConfig {
  readonly address: Address;
  readonly symbol: string;
  readonly decimals: number;
}

/** The most gas a transaction of each kind may use; with the fee ceiling it bounds the fee allowance. */
export interface GasLimitCeilings {
  readonly native: bigint;
  readonly erc20: bigint;
  readonly contractCall: bigint;
}

/**
 * One EVM chain as the deployment uses it. Fees are in wei per gas.
 *
 * `maxFeePerGasCap` bounds what Prepare offers for a first attempt (higher network fees wait, they are
 * not paid); `feeCeiling` bounds every attempt including replacements, so the fee allowance reserved
 * at submit (gas ceiling × fee ceiling) always covers the fee actually paid.
 */
export interface ChainConfig {
  readonly chainId: number;
  readonly name: string;
  readonly rpcUrl: string;
  /** Blocks on top of and including the one a transaction is in before it counts as final. */
  readonly confirmations: number;
  readonly maxFeePerGasCap: bigint;
  readonly maxPriorityFeePerGasCap: bigint;
  readonly feeCeiling: bigint;
  /** Added to the node's gas estimate, in percent. */
  readonly gasLimitMarginPercent: number;
  readonly gasLimitCeilings: GasLimitCeilings;
  /** A transaction pending longer than this after broadcast is replaced with higher fees. */
  readonly stuckAfterSeconds: number;
  readonly tokens: readonly TokenConfig[];
  /** The first block the deposit scanner looks at when it has no cursor yet. */
  readonly depositStartBlock: bigint;
  /** The most blocks one deposit scan covers. */
  readonly depositScanBlocks: number;
}

const FIELDS = [
  'chainId',
  'name',
  'rpcUrl',
  'confirmations',
  'maxFeePerGasCap',
  'maxPriorityFeePerGasCap',
  'feeCeiling',
  'gasLimitMarginPercent',
  'gasLimitCeilings',
  'stuckAfterSeconds',
  'tokens',
  'depositStartBlock',
  'depositScanBlocks',
] as const;

/**
 * Validates a chain configuration as it arrives in JSON (amounts as decimal strings). Every problem
 * is a ValidationError naming the field, so a bad deployment setting fails at cold start, clearly.
 */
export function parseChainConfig(value: unknown, path = 'chain'): ChainConfig {
  const raw = expectObject(value, path);
  rejectUnknownFields(raw, FIELDS, path);
  const config: ChainConfig = {
    chainId: integer(raw.chainId, join(path, 'chainId'), 1, 2 ** 53 - 1),
    name: text(raw.name, join(path, 'name')),
    rpcUrl: url(raw.rpcUrl, join(path, 'rpcUrl')),
    confirmations: integer(raw.confirmations, join(path, 'confirmations'), 1, 10_000),
    maxFeePerGasCap: positive(raw.maxFeePerGasCap, join(path, 'maxFeePerGasCap')),
    maxPriorityFeePerGasCap: parseAmount(raw.maxPriorityFeePerGasCap, join(path, 'maxPriorityFeePerGasCap')),
    feeCeiling: positive(raw.feeCeiling, join(path, 'feeCeiling')),
    gasLimitMarginPercent: integer(raw.gasLimitMarginPercent, join(path, 'gasLimitMarginPercent'), 0, 200),
    gasLimitCeilings: ceilings(raw.gasLimitCeilings, join(path, 'gasLimitCeilings')),
    stuckAfterSeconds: integer(raw.stuckAfterSeconds, join(path, 'stuckAfterSeconds'), 1, 86_400),
    tokens: tokens(raw.tokens, join(path, 'tokens')),
    depositStartBlock: parseAmount(raw.depositStartBlock, join(path, 'depositStartBlock')),
    depositScanBlocks: integer(raw.depositScanBlocks, join(path, 'depositScanBlocks'), 1, 10_000),
  };
  if (config.maxPriorityFeePerGasCap > config.maxFeePerGasCap) {
    throw invalid(join(path, 'maxPriorityFeePerGasCap'), 'must not exceed maxFeePerGasCap');
  }
  if (config.feeCeiling < config.maxFeePerGasCap) {
    throw invalid(join(path, 'feeCeiling'), 'must be at least maxFeePerGasCap: replacements raise fees from there');
  }
  return config;
}

function ceilings(value: unknown, path: string): GasLimitCeilings {
  const raw = expectObject(value, path);
  rejectUnknownFields(raw, ['native', 'erc20', 'contractCall'], path);
  const native = positive(raw.native, join(path, 'native'));
  if (native < 21_000n) throw invalid(join(path, 'native'), 'must be at least 21000, the gas of a plain transfer');
  return {
    native,
    erc20: positive(raw.erc20, join(path, 'erc20')),
    contractCall: positive(raw.contractCall, join(path, 'contractCall')),
  };
}

function tokens(value: unknown, path: string): readonly TokenConfig[] {
  if (!Array.isArray(value)) throw invalid(path, 'must be an array of tokens');
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const at = `${path}[${i}]`;
    const raw = expectObject(item, at);
    rejectUnknownFields(raw, ['address', 'symbol', 'decimals'], at);
    const address = parseAddress(raw.address, join(at, 'address'));
    if (seen.has(address.toLowerCase())) throw invalid(join(at, 'address'), 'is listed twice');
    seen.add(address.toLowerCase());
    return {
      address,
      symbol: text(raw.symbol, join(at, 'symbol')),
      decimals: integer(raw.decimals, join(at, 'decimals'), 0, 77),
    };
  });
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function positive(value: unknown, field: string): bigint {
  const amount = parseAmount(value, field);
  if (amount === 0n) throw new ValidationError('MONEY.NOT_POSITIVE', field, 'must be greater than zero');
  return amount;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64)
    throw invalid(field, 'must be a string of 1 to 64 characters');
  return value;
}

function url(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^\s]+$/.test(value)) throw invalid(field, 'must be an http(s) URL');
  return value;
}

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError('REQUEST.INVALID_FIELD', field, message);
