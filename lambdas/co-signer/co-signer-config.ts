import type { PcrValues } from '../../enclave-host/contract';
import type { Address } from '../domain/address';
import { parseAsset } from '../domain/asset';
import { parseAmount } from '../domain/money';
import { checkString, expectObject, ID_RULE, join, rejectUnknownFields } from '../domain/validation';

/** Per asset, the most the co-signer releases share 2 for in any 24 h, in base units: "native" or an ERC-20 contract address → amount. */
export type AssetCaps = Readonly<Record<string, bigint>>;

/**
 * The co-signer's own limits, configured apart from the policy (issue 16): a second party's check is
 * worth something only if changing the policy does not change it. A wallet's entry for an asset wins
 * over the default's; an asset neither names is refused (see `capFor`).
 */
export interface CoSignerCaps {
  readonly default?: AssetCaps;
  readonly wallets?: Readonly<Record<string, AssetCaps>>;
}

/** What the co-signer trusts, from its own configuration, never from a request. */
export interface CoSignerConfig {
  readonly deploymentId: string;
  /** The only signer of authorization proofs it accepts. */
  readonly approvalKeyAddress: Address;
  /** The enclave image's PCRs (production: PCR0, 1 and 2 at least). */
  readonly pcrs: PcrValues;
  readonly caps: CoSignerCaps;
  /** How old an attestation may be. Default {@link DEFAULT_ATTESTATION_MAX_AGE_SECONDS}. */
  readonly attestationMaxAgeSeconds?: number;
}

/** A session attestation is made for the job at hand: five minutes leave room for a queue, not for reuse. */
export const DEFAULT_ATTESTATION_MAX_AGE_SECONDS = 300;

/**
 * Parses caps as configuration carries them (JSON, amounts as decimal strings of base units), e.g.
 * `{"default":{"native":"1000000000000000000"},"wallets":{"w-1":{"0xA0b8…":"5000000"}}}`. Throws a
 * ValidationError naming the field: a cold start with a bad cap fails, it never runs uncapped.
 */
export function capsFromJson(input: unknown, path = 'caps'): CoSignerCaps {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, ['default', 'wallets'], path);
  const caps: { default?: AssetCaps; wallets?: Record<string, AssetCaps> } = {};
  if (raw.default !== undefined) caps.default = assetCapsFromJson(raw.default, join(path, 'default'));
  if (raw.wallets !== undefined) {
    const wallets = expectObject(raw.wallets, join(path, 'wallets'));
    caps.wallets = Object.fromEntries(
      Object.entries(wallets).map(([walletId, value]) => [
        checkString(walletId, join(path, 'wallets'), ID_RULE),
        assetCapsFromJson(value, join(path, `wallets.${walletId}`)),
      ]),
    );
  }
  return caps;
}

function assetCapsFromJson(input: unknown, path: string): AssetCaps {
  const raw = expectObject(input, path);
  return Object.fromEntries(
    Object.entries(raw).map(([asset, amount]) => [
      parseAsset(asset, join(path, asset)),
      parseAmount(amount, join(path, asset)),
    ]),
  );
}
