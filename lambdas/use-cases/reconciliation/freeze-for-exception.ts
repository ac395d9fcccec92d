import { IllegalTransitionError } from '../../domain/errors';
import type { AuditLog } from '../../ports/audit-log';
import type { WalletStore } from '../../ports/wallet-store';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import { changeWallet } from '../wallets/change-wallet';

const ACTOR = 'system:reconciliation';

/**
 * Freezes an ACTIVE wallet because of a reconciliation exception, the way a FREEZE escalation does (a
 * FROZEN event on the wallet's stream, audited in the wallet's trace): from then on it sends nothing
 * until an admin unfreezes it. A wallet already frozen or locked down is left as it is.
 */
export async function freezeForException(
  deps: { readonly wallets: WalletStore; readonly audit: AuditLog },
  request: { readonly walletId: string; readonly exceptionId: string; readonly reason: string; readonly at: Date },
): Promise<boolean> {
  const wallet = await deps.wallets.get(request.walletId);
  if (wallet === undefined || wallet.status !== 'ACTIVE') return false;
  try {
    await changeWallet(deps.wallets, { walletId: wallet.id, actor: ACTOR, at: request.at }, () => ({
      type: 'FROZEN',
      data: { reason: request.reason },
    }));
  } catch (error) {
    // Frozen or locked down by someone else meanwhile: the wallet sends nothing either way.
    if (error instanceof IllegalTransitionError) return false;
    throw error;
  }
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: ACTOR,
    action: 'WALLET_FROZEN',
    inputs: { reason: request.reason, exceptionId: request.exceptionId },
    result: 'FROZEN',
    at: request.at,
  });
  return true;
}
