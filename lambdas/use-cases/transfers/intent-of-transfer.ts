import type { Address } from '../../domain/address';
import { decodeCall, type Intent } from '../../domain/intents';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/**
 * The intent of a recorded transfer, decoded again from the call it records (target, value, data),
 * so every step judges the real recipient and amount, exactly as Submit did. Native value is only
 * ever sent with a native asset: an ERC-20 call carries none.
 */
export function intentOfTransfer(state: TransferState, walletAddress: Address): Intent {
  const value = state.asset === 'native' ? state.amount : 0n;
  if (state.data === '0x') {
    return {
      kind: 'transfer',
      method: 'native',
      call: { to: state.to, value, data: '0x' },
      asset: 'native',
      amount: value,
      counterparty: state.to,
      outflow: value,
    };
  }
  return decodeCall({ to: state.to, value, data: state.data }, walletAddress);
}
