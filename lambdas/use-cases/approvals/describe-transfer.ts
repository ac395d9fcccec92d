import { decodeFunctionData, formatUnits, type Hex } from 'viem';
import { isNative } from '../../domain/asset';
import { ERC20_ABI } from '../../domain/intents';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { ChainRegistry } from '../../ports/chain-registry';

/** A transfer as an approver reads it: the asset by symbol, the amount in human and base units, the call decoded. */
export interface TransferDescription {
  readonly asset: { readonly symbol: string; readonly decimals: number; readonly token?: string };
  readonly amount: { readonly base: string; readonly human: string };
  readonly chainName: string;
  readonly call?:
    | { readonly functionName: string; readonly args: readonly { readonly name: string; readonly value: string }[] }
    | { readonly raw: Hex };
  /** One line: `2 ETH to 0x… from wallet treasury (w-…), requested by ops-1`. */
  readonly summary: string;
}

const NATIVE_DECIMALS = 18;

/**
 * Describes a transfer in the units of its chain's registry: the native asset as the chain's currency
 * (18 decimals), a registry token by its symbol and decimals, an unknown token by its address in base
 * units. A call's data is decoded when it is an ERC-20 call, shown raw otherwise.
 */
export function describeTransfer(
  state: Pick<TransferState, 'chainId' | 'asset' | 'amount' | 'to' | 'data' | 'walletId' | 'initiatorId'>,
  chains: Pick<ChainRegistry, 'all'>,
  walletName: string,
): TransferDescription {
  const chain = chains.all().find((c) => c.config.chainId === state.chainId)?.config;
  const token = isNative(state.asset)
    ? undefined
    : chain?.tokens.find((t) => t.address.toLowerCase() === state.asset.toLowerCase());
  const asset = isNative(state.asset)
    ? { symbol: 'ETH', decimals: NATIVE_DECIMALS }
    : { symbol: token?.symbol ?? state.asset, decimals: token?.decimals ?? 0, token: state.asset };
  const amount = { base: state.amount.toString(), human: formatUnits(state.amount, asset.decimals) };
  const call = decodedCall(state.data);
  return {
    asset,
    amount,
    chainName: chain?.name ?? `chain ${state.chainId}`,
    ...(call === undefined ? {} : { call }),
    summary: `${amount.human} ${asset.symbol} to ${state.to} from wallet ${walletName} (${state.walletId}), requested by ${state.initiatorId}`,
  };
}

function decodedCall(data: Hex): TransferDescription['call'] {
  if (data === '0x' || data.length < 10) return undefined;
  try {
    const decoded = decodeFunctionData({ abi: ERC20_ABI, data });
    const inputs = ERC20_ABI.find((item) => item.name === decoded.functionName)?.inputs ?? [];
    return {
      functionName: decoded.functionName,
      args: (decoded.args ?? []).map((value, i) => ({ name: inputs[i]?.name ?? `arg${i}`, value: String(value) })),
    };
  } catch {
    return { raw: data };
  }
}
