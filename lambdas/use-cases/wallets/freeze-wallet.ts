import { parseReason } from '../../domain/parse-reason';
import type { Principal } from '../../domain/principal';
import type { WalletStatus } from '../../domain/wallets/wallet';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';

export type FreezeWalletDeps = Pick<TransferDeps, 'wallets' | 'audit' | 'clock'>;

/**
 * Freezes an ACTIVE wallet (`POST /v1/wallets/{id}/freeze`, body `{reason}`): from then on it sends
 * nothing, and submits are refused with WALLET.NOT_ACTIVE. Freezing only adds a control, so an
 * operator may do it as well as an admin; freezing a wallet that is not ACTIVE is a 409.
 */
export async function freezeWallet(
  deps: FreezeWalletDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<{ id: string; status: WalletStatus }> {
  const reason = parseReason(request.body, { required: true });
  const at = deps.clock();
  const wallet = await changeWallet(
    deps.wallets,
    { walletId: request.walletId, actor: request.principal.id, at },
    () => ({ type: 'FROZEN', data: { reason } }),
  );
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: request.principal.id,
    action: 'WALLET_FROZEN',
    inputs: { reason },
    result: wallet.status,
    at,
  });
  return { id: wallet.id, status: wallet.status };
}
