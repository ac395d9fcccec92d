import { ValidationError } from '../../domain/errors';
import type { ChainGateway } from '../../ports/chain';
import type { ChainRegistry } from '../../ports/chain-registry';

/** The configured chains, each with its gateway. */
export class StaticChainRegistry implements ChainRegistry {
  private readonly byId: ReadonlyMap<number, ChainGateway>;

  constructor(gateways: readonly ChainGateway[]) {
    this.byId = new Map(gateways.map((g) => [g.config.chainId, g]));
  }

  get(chainId: number): ChainGateway {
    const gateway = this.byId.get(chainId);
    if (gateway === undefined) {
      throw new ValidationError(
        'CHAIN.UNKNOWN',
        'chainId',
        `chain ${chainId} is not configured (configured: ${[...this.byId.keys()].join(', ') || 'none'})`,
      );
    }
    return gateway;
  }

  all(): readonly ChainGateway[] {
    return [...this.byId.values()];
  }
}
