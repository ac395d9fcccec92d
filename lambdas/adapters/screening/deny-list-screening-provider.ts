import { parseAddress, type Address } from '../../domain/address';
import type { ScreeningProvider, ScreeningRequest, ScreeningResult } from '../../ports/screening-provider';

/**
 * Screening against a configured deny list of addresses (sanctions lists, known scam addresses). It
 * always answers; an AML vendor adapter behind the same port may be unavailable and says so.
 */
export class DenyListScreeningProvider implements ScreeningProvider {
  readonly name = 'deny-list';
  private readonly denied: ReadonlySet<string>;

  constructor(addresses: readonly string[]) {
    this.denied = new Set(addresses.map((a, i) => parseAddress(a, `denyList[${i}]`).toLowerCase()));
  }

  async screen(request: ScreeningRequest): Promise<ScreeningResult> {
    return this.denied.has(request.counterparty.toLowerCase())
      ? { hit: true, reason: `${request.counterparty} is on the deny list` }
      : { hit: false };
  }

  /** Whether an address is denied, for tests and the API. */
  has(address: Address): boolean {
    return this.denied.has(address.toLowerCase());
  }
}
