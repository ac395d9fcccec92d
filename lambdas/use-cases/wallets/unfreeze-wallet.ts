import { IllegalTransitionError } from '../../domain/errors';
import { parseReason } from '../../domain/parse-reason';
import type { Principal } from '../../domain/principal';
import type { WalletStatus } from '../../domain/wallets/wallet';
import type { GovernanceDeps } from '../governance/governance-deps';
import { proposeOrApply, type GovernedOutcome } from '../governed-changes/propose-or-apply';
import { registryTraceId } from '../registry-trace-id';
import { loadWallet } from '../transfers/load-wallet';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';

export type UnfreezeWalletDeps = Pick<TransferDeps, 'wallets' | 'audit' | 'clock'> &
  Pick<GovernanceDeps, 'governance' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'>;

/** What an UNFREEZE_WALLET change request carries: the freeze it lifts (by when it was made), and why. */
export interface UnfreezePayload {
  readonly frozenAt: string;
  readonly reason: string;
}

/**
 * Unfreezes a FROZEN wallet (`POST /v1/wallets/{id}/unfreeze`, body `{reason}`). Unfreezing weakens a
 * control, so it is a change request for governance (202); only before governance is bootstrapped does
 * it apply at once (200). The change lifts the freeze it was proposed for: if the wallet was unfrozen
 * and frozen again meanwhile (a new incident), applying it fails rather than lifting a freeze nobody
 * approved lifting. A wallet that is not FROZEN is a 409.
 */
export async function unfreezeWallet(
  deps: UnfreezeWalletDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<GovernedOutcome<{ id: string; status: WalletStatus }>> {
  const reason = parseReason(request.body, { required: true });
  const wallet = await loadWallet(deps.wallets, request.walletId);
  if (wallet.frozen === undefined)
    throw new IllegalTransitionError('LIFECYCLE.ILLEGAL_TRANSITION', `wallet ${wallet.id} is ${wallet.status}`, {
      details: { walletId: wallet.id, status: wallet.status, event: 'UNFROZEN', reason: 'not FROZEN' },
    });
  const payload: UnfreezePayload = { frozenAt: wallet.frozen.at.toISOString(), reason };
  return proposeOrApply(
    deps,
    {
      principal: request.principal,
      action: { kind: 'UNFREEZE_WALLET', subject: wallet.id, payload },
      reason,
      weakening: [
        `unfreezes the wallet, frozen since ${payload.frozenAt} by ${wallet.frozen.by}: ${wallet.frozen.reason}`,
      ],
    },
    () => liftFreeze(deps, { walletId: wallet.id, actor: request.principal.id, payload }),
  );
}

/**
 * Lifts the freeze the payload names: refused (409) when the wallet is not frozen by that freeze any
 * more. With a change id, a second application of the same change is a no-op.
 */
export async function liftFreeze(
  deps: Pick<TransferDeps, 'wallets' | 'audit' | 'clock'>,
  request: {
    readonly walletId: string;
    readonly actor: string;
    readonly payload: UnfreezePayload;
    readonly changeId?: string;
  },
): Promise<{ id: string; status: WalletStatus }> {
  const { payload, changeId } = request;
  const current = await loadWallet(deps.wallets, request.walletId);
  if (changeId !== undefined && current.appliedChangeIds?.includes(changeId) === true)
    return { id: current.id, status: current.status };
  const at = deps.clock();
  const wallet = await changeWallet(deps.wallets, { walletId: request.walletId, actor: request.actor, at }, (w) => {
    if (w.frozen?.at.toISOString() !== payload.frozenAt)
      throw new IllegalTransitionError(
        'LIFECYCLE.ILLEGAL_TRANSITION',
        `wallet ${w.id} is not frozen by the freeze of ${payload.frozenAt} any more (${w.status})`,
        { details: { walletId: w.id, status: w.status, event: 'UNFROZEN', reason: 'a different freeze' } },
      );
    return { type: 'UNFROZEN', data: { reason: payload.reason, ...(changeId === undefined ? {} : { changeId }) } };
  });
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: request.actor,
    action: 'WALLET_UNFROZEN',
    inputs: changeId === undefined ? { reason: payload.reason } : { reason: payload.reason, changeId },
    result: wallet.status,
    at,
  });
  return { id: wallet.id, status: wallet.status };
}
