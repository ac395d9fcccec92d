import type { Address } from '../domain/address';
import type { Asset } from '../domain/asset';

/** What screening is asked about: where the funds go. */
export interface ScreeningRequest {
  readonly transferId: string;
  readonly chainId: number;
  readonly counterparty: Address;
  readonly asset: Asset;
  readonly amount: bigint;
}

export type ScreeningResult = { readonly hit: false } | { readonly hit: true; readonly reason: string };

/**
 * Destination screening: a deny list here, an AML vendor behind the same port later. A provider that
 * cannot answer throws DependencyUnavailableError; the workflow retries and never assumes "clear".
 */
export interface ScreeningProvider {
  readonly name: string;
  screen(request: ScreeningRequest): Promise<ScreeningResult>;
}
