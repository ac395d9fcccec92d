import { decodeFunctionData, encodeFunctionData, parseAbi, toFunctionSelector, type Hex } from 'viem';
import { parseAddress, parseCounterpartyAddress, sameAddress, type Address } from './address';
import { isNative, parseAsset, type Asset } from './asset';
import { ValidationError } from './errors';
import { describe, parseAmount, parsePositiveAmount } from './money';

/**
 * What a transfer request asks the chain to do, in terms policy can judge.
 *
 * Every intent carries the call that will be signed (`call`), and what that call really does: which
 * `asset` it exposes, how much (`amount`), to whom (`counterparty`), and how much of the asset leaves
 * the wallet's balance when it is mined (`outflow`, what the ledger reserves). ERC-20 calldata given by
 * a client is decoded, so policy judges the real recipient or spender, never the token contract.
 */
export type Intent = TransferIntent | ApproveIntent | TransferFromIntent | ContractCallIntent;

export type IntentKind = Intent['kind'];

/** The exact call that goes into the transaction. */
export interface EvmCall {
  readonly to: Address;
  readonly value: bigint;
  readonly data: Hex;
}

interface IntentBase {
  readonly call: EvmCall;
  readonly asset: Asset;
  readonly amount: bigint;
  readonly counterparty: Address;
  readonly outflow: bigint;
}

/** A native transfer, or an ERC-20 `transfer` (built by the domain or decoded from client data). */
export interface TransferIntent extends IntentBase {
  readonly kind: 'transfer';
  readonly method: 'native' | 'erc20.transfer';
}

/** An ERC-20 `approve` or `increaseAllowance`: `counterparty` is the spender, `amount` the allowance. */
export interface ApproveIntent extends IntentBase {
  readonly kind: 'approve';
  readonly method: 'erc20.approve' | 'erc20.increaseAllowance';
}

/** An ERC-20 `transferFrom`: `counterparty` is the recipient; `from` whose tokens move. */
export interface TransferFromIntent extends IntentBase {
  readonly kind: 'transferFrom';
  readonly method: 'erc20.transferFrom';
  readonly from: Address;
}

/** Any other call: allowed only by a contract-call rule naming its target and selector. */
export interface ContractCallIntent extends IntentBase {
  readonly kind: 'contract-call';
  readonly method: 'contract-call';
  readonly target: Address;
  readonly selector: Hex;
}

/** The fields of a transfer request that shape the intent, as they arrive in JSON. */
export interface TransferRequestFields {
  readonly to: unknown;
  readonly asset: unknown;
  readonly amount: unknown;
  readonly data?: unknown;
}

/** The ERC-20 methods whose arguments policy must see. increaseAllowance is not in the standard ABI. */
export const ERC20_ABI = parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function transferFrom(address from, address to, uint256 amount) returns (bool)',
  'function increaseAllowance(address spender, uint256 addedValue) returns (bool)',
]);

const EMPTY_DATA: Hex = '0x';

/**
 * Turns a transfer request into an intent.
 *
 * - no `data`, `asset: "native"`: a native transfer of `amount` wei to `to`;
 * - no `data`, `asset: <token>`: an ERC-20 `transfer(to, amount)` whose calldata the domain builds;
 * - with `data`: a call to `to` carrying `amount` wei (`asset` must be "native"); ERC-20 `transfer`,
 *   `approve`, `transferFrom` and `increaseAllowance` are decoded (and must be canonically encoded),
 *   any other selector is a contract call.
 *
 * @param walletAddress the wallet's own address: a `transferFrom` out of it is an outflow.
 */
export function buildIntent(request: TransferRequestFields, walletAddress: Address): Intent {
  const data = parseData(request.data, 'data');
  if (data === EMPTY_DATA) {
    const to = parseCounterpartyAddress(request.to, 'to');
    const asset = parseAsset(request.asset, 'asset');
    const amount = parsePositiveAmount(request.amount, 'amount');
    if (isNative(asset)) {
      return {
        kind: 'transfer',
        method: 'native',
        call: { to, value: amount, data },
        asset,
        amount,
        counterparty: to,
        outflow: amount,
      };
    }
    const calldata = encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [to, amount] });
    return {
      kind: 'transfer',
      method: 'erc20.transfer',
      call: { to: asset, value: 0n, data: calldata },
      asset,
      amount,
      counterparty: to,
      outflow: amount,
    };
  }

  const target = parseCounterpartyAddress(request.to, 'to');
  if (request.asset !== 'native') {
    throw new ValidationError(
      'INTENT.DATA_WITH_TOKEN_ASSET',
      'asset',
      'must be "native" when data is given: amount is then the native value sent with the call',
    );
  }
  const value = parseAmount(request.amount, 'amount');
  return decodeCall({ to: target, value, data }, walletAddress);
}

/** Decodes a call into the intent it really is (see {@link buildIntent}). */
export function decodeCall(call: EvmCall, walletAddress: Address): Intent {
  const selector = call.data.slice(0, 10) as Hex;
  const erc20 = decodeErc20(call.data);
  if (erc20 === undefined) {
    if (call.data.length < 10) {
      throw new ValidationError('INTENT.MALFORMED_CALL', 'data', 'must hold at least a 4-byte function selector');
    }
    return {
      kind: 'contract-call',
      method: 'contract-call',
      call,
      target: call.to,
      selector,
      asset: 'native',
      amount: call.value,
      counterparty: call.to,
      outflow: call.value,
    };
  }
  if (call.value !== 0n) {
    throw new ValidationError(
      'INTENT.VALUE_WITH_TOKEN_CALL',
      'amount',
      'must be "0" for an ERC-20 call: tokens never need native value',
    );
  }
  const token = call.to;
  switch (erc20.functionName) {
    case 'transfer': {
      const [to, amount] = erc20.args;
      return {
        kind: 'transfer',
        method: 'erc20.transfer',
        call,
        asset: token,
        amount,
        counterparty: checkedCounterparty(to),
        outflow: amount,
      };
    }
    case 'approve':
    case 'increaseAllowance': {
      const [spender, amount] = erc20.args;
      return {
        kind: 'approve',
        method: `erc20.${erc20.functionName}`,
        call,
        asset: token,
        amount,
        counterparty: checkedCounterparty(spender),
        outflow: 0n,
      };
    }
    case 'transferFrom': {
      const [from, to, amount] = erc20.args;
      const outflow = sameAddress(from, walletAddress) ? amount : 0n;
      return {
        kind: 'transferFrom',
        method: 'erc20.transferFrom',
        call,
        asset: token,
        amount,
        counterparty: checkedCounterparty(to),
        from: parseAddress(from, 'data'),
        outflow,
      };
    }
  }
}

type DecodedErc20 = ReturnType<typeof decodeFunctionData<typeof ERC20_ABI>>;

function decodeErc20(data: Hex): DecodedErc20 | undefined {
  const selector = data.slice(0, 10).toLowerCase();
  const known = ERC20_SELECTORS.has(selector);
  if (!known) return undefined;
  let decoded: DecodedErc20;
  try {
    decoded = decodeFunctionData({ abi: ERC20_ABI, data });
  } catch (cause) {
    throw new ValidationError('INTENT.MALFORMED_CALL', 'data', 'ERC-20 calldata does not decode for its selector', {
      cause,
    });
  }
  // Only the canonical encoding is accepted: trailing bytes or dirty high bits in an address word
  // could be read differently by the token than by this decoder.
  const canonical = encodeFunctionData({
    abi: ERC20_ABI,
    functionName: decoded.functionName,
    args: decoded.args,
  } as Parameters<typeof encodeFunctionData<typeof ERC20_ABI>>[0]);
  if (canonical.toLowerCase() !== data.toLowerCase()) {
    throw new ValidationError('INTENT.MALFORMED_CALL', 'data', 'ERC-20 calldata is not canonically encoded');
  }
  return decoded;
}

const ERC20_SELECTORS = new Set<string>(ERC20_ABI.map((item) => toFunctionSelector(item)));

function checkedCounterparty(address: string): Address {
  return parseCounterpartyAddress(address, 'data');
}

/** Parses optional calldata: absent, `""` and `"0x"` mean none. */
export function parseData(value: unknown, field: string): Hex {
  if (value === undefined || value === null || value === '' || value === EMPTY_DATA) return EMPTY_DATA;
  if (typeof value !== 'string') {
    throw new ValidationError('INTENT.INVALID_DATA', field, `must be a 0x-prefixed hex string, got ${describe(value)}`);
  }
  if (!/^0x(?:[0-9a-fA-F]{2})+$/.test(value)) {
    throw new ValidationError('INTENT.INVALID_DATA', field, 'must be 0x-prefixed hex with an even number of digits');
  }
  return value.toLowerCase() as Hex;
}
