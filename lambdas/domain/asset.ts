import { parseAddress, type Address } from './address';
import { ValidationError } from './errors';

/** The chain's native coin, or an ERC-20 token named by its (checksummed) contract address. */
export type Asset = 'native' | Address;

export const NATIVE: Asset = 'native';

export const isNative = (asset: Asset): asset is 'native' => asset === NATIVE;

/** Parses `"native"` or an ERC-20 contract address. */
export function parseAsset(value: unknown, field: string): Asset {
  if (value === NATIVE) return NATIVE;
  if (typeof value !== 'string' || !value.startsWith('0x')) {
    throw new ValidationError('ASSET.INVALID', field, 'must be "native" or an ERC-20 contract address');
  }
  return parseAddress(value, field);
}
