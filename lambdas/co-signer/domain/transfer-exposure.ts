import type { Asset } from '../../domain/asset';
import { ValidationError } from '../../domain/errors';
import { decodeCall } from '../../domain/intents';
import type { PreparedTransaction } from '../../domain/lifecycle/transfer-events';

/** What one transaction puts at risk, as the co-signer's cap counts it. */
export type Exposure =
  | { readonly kind: 'valued'; readonly asset: Asset; readonly amount: bigint }
  | { readonly kind: 'unvalued'; readonly reason: string };

/**
 * The asset and amount a transaction exposes, decoded from the transaction itself (the service's own
 * ERC-20 decoder, `decodeCall`): a plain native transfer exposes its value; an ERC-20 `transfer`,
 * `transferFrom`, `approve` or `increaseAllowance` its token amount (an allowance is exposure: the
 * spender can take it). Any other call is `unvalued`: what it moves inside a contract cannot be read
 * from its calldata, so a cap cannot bound it.
 */
export function exposureOf(transaction: PreparedTransaction): Exposure {
  if (transaction.data === '0x') return { kind: 'valued', asset: 'native', amount: transaction.value };
  let intent;
  try {
    intent = decodeCall({ to: transaction.to, value: transaction.value, data: transaction.data }, transaction.from);
  } catch (cause) {
    if (cause instanceof ValidationError)
      return { kind: 'unvalued', reason: `its calldata does not decode (${cause.message})` };
    throw cause;
  }
  if (intent.kind === 'contract-call')
    return {
      kind: 'unvalued',
      reason: `it calls ${intent.selector} on ${intent.target}, which is no ERC-20 transfer or approval`,
    };
  return { kind: 'valued', asset: intent.asset, amount: intent.amount };
}
