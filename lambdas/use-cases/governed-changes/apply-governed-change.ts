import type { ChangeView } from '../../domain/governance/change-request';
import { writeGroupMembers, type SetGroupMembersPayload } from '../approval-groups/set-group-members';
import type { ChangeApplier } from '../governance/governance-deps';
import type { TransferDeps } from '../transfers/transfer-deps';
import { writePolicy, type SetPolicyPayload } from '../wallets/set-policy';
import { liftFreeze, type UnfreezePayload } from '../wallets/unfreeze-wallet';
import {
  applyRevocation,
  applyRotation,
  type RevokeKeyPayload,
  type RotateKeyPayload,
} from '../wallets/rotate-wallet-key';

/** `coSigner`: applying REVOKE_KEY to an mpc wallet retires its share at the co-signer (applyRevocation). */
export type GovernedChangeDeps = Pick<TransferDeps, 'wallets' | 'groups' | 'coSigner' | 'audit' | 'clock'>;

/** The actor of a governed change's own records: the governance process, with the change's id alongside. */
const ACTOR = 'governance';

/**
 * Applies a change request that passed governance and its time-lock, through the same writes the
 * routes use when a change applies at once, each conditioned on the state the change was proposed
 * against and idempotent by the change's id (a retried sweep applies nothing twice). Payloads were
 * validated when the change was proposed and are stored unchanged. A key rotation's successor was made
 * when it was proposed: applying it records KEY_ROTATED only. Deny-list removal has no change to apply in this deployment (the list is configuration):
 * such a change fails, loudly.
 */
export function governedChangeApplier(deps: GovernedChangeDeps): ChangeApplier {
  return async (change: ChangeView): Promise<string> => {
    const { kind, subject, payload } = change.action;
    switch (kind) {
      case 'SET_POLICY': {
        const set = await writePolicy(deps, {
          walletId: subject,
          actor: ACTOR,
          payload: payload as SetPolicyPayload,
          changeId: change.id,
        });
        return `wallet ${set.walletId}: policy version ${set.version}`;
      }
      case 'UNFREEZE_WALLET': {
        const wallet = await liftFreeze(deps, {
          walletId: subject,
          actor: ACTOR,
          payload: payload as UnfreezePayload,
          changeId: change.id,
        });
        return `wallet ${wallet.id}: ${wallet.status}`;
      }
      case 'SET_GROUP_MEMBERS': {
        const group = await writeGroupMembers(deps, {
          groupId: subject,
          actor: ACTOR,
          payload: payload as SetGroupMembersPayload,
          changeId: change.id,
        });
        return `approval group ${group.id}: version ${group.version ?? '?'} with ${group.members.length} members`;
      }
      case 'ROTATE_KEY': {
        const rotated = await applyRotation(deps, {
          walletId: subject,
          actor: ACTOR,
          payload: payload as RotateKeyPayload,
          changeId: change.id,
        });
        return `wallet ${rotated.id}: key rotated, successor ${rotated.rotatedTo.walletId} at ${rotated.rotatedTo.address}`;
      }
      case 'REVOKE_KEY': {
        const revoked = await applyRevocation(deps, {
          walletId: subject,
          actor: ACTOR,
          payload: payload as RevokeKeyPayload,
          changeId: change.id,
        });
        const coSigner = revoked.coSignerShare === undefined ? '' : `, co-signer share ${revoked.coSignerShare}`;
        return `wallet ${revoked.id}: key revoked at ${revoked.keyRevokedAt}${coSigner}`;
      }
      default:
        throw new Error(`a ${kind} change has nothing to apply in this deployment`);
    }
  };
}
