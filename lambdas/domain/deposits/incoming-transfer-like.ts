import type { Address } from '../address';

/** The fields of an incoming transfer the domain judges (the chain port's IncomingTransfer has them). */
export interface IncomingTransferLike {
  readonly kind: 'native' | 'erc20';
  readonly token?: Address;
  readonly to: Address;
  readonly amount: bigint;
}
