import type { ChainGateway } from './chain';

/** The chains a deployment serves, by chain id; CHAIN.UNKNOWN for any other. */
export interface ChainRegistry {
  get(chainId: number): ChainGateway;
  all(): readonly ChainGateway[];
}
