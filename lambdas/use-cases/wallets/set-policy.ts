import { ConflictError } from '../../domain/errors';
import { classifyPolicyChange } from '../../domain/governance/classify-policy-change';
import { parsePolicy, serializePolicy, type PolicyJson } from '../../domain/policy/parse-policy';
import type { Principal } from '../../domain/principal';
import { expectObject } from '../../domain/validation';
import type { GovernanceDeps } from '../governance/governance-deps';
import { proposeOrApply, type GovernedOutcome } from '../governed-changes/propose-or-apply';
import { registryTraceId } from '../registry-trace-id';
import { loadWallet } from '../transfers/load-wallet';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';

export type SetPolicyDeps = Pick<TransferDeps, 'wallets' | 'groups' | 'audit' | 'clock'> &
  Pick<GovernanceDeps, 'governance' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'>;

export interface PolicySet {
  readonly walletId: string;
  readonly version: number;
  readonly policy: PolicyJson;
}

/** What a SET_POLICY change request carries: the policy, and the version it replaces. */
export interface SetPolicyPayload {
  readonly policy: PolicyJson;
  readonly baseVersion: number;
}

/**
 * Sets a wallet's policy (`PUT /v1/wallets/{id}/policy`, the policy plus an optional `reason`): parsed
 * against the approval groups as they are now, then compared with the current policy. A change that
 * admits nothing the current policy refuses (tightening) is stored at once as the next version (200);
 * anything else is a change request for governance (202, ARCHITECTURE.md §9), which needs `reason`. A
 * body may name `version` to make the change conditional: it must then be the next one, else 409, so
 * two admins editing the same policy cannot silently overwrite each other. Either way the new policy
 * replaces exactly the version it was compared with: if another change lands first, this one is
 * refused (409 at once, FAILED when governed) rather than applied over a policy nobody compared.
 */
export async function setPolicy(
  deps: SetPolicyDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<GovernedOutcome<PolicySet>> {
  const { reason, ...body } = expectObject(request.body, 'body');
  const wallet = await loadWallet(deps.wallets, request.walletId);
  const baseVersion = wallet.policy?.version ?? 0;
  if (body.version !== undefined && body.version !== baseVersion + 1) throw stalePolicy(baseVersion);
  const groups = new Map(
    (await deps.groups.all()).map((g): [string, { size: number }] => [g.id, { size: g.members.length }]),
  );
  const policy = parsePolicy({ ...body, version: baseVersion + 1 }, { groups });
  const { direction, reasons } = classifyPolicyChange(wallet.policy, policy);
  const payload: SetPolicyPayload = { policy: serializePolicy(policy), baseVersion };
  return proposeOrApply(
    deps,
    {
      principal: request.principal,
      action: { kind: 'SET_POLICY', subject: wallet.id, payload },
      reason,
      weakening: direction === 'tightening' ? [] : reasons.length > 0 ? reasons : ['not provably stricter'],
    },
    () => writePolicy(deps, { walletId: wallet.id, actor: request.principal.id, payload }),
  );
}

/**
 * Appends the policy as the version after `baseVersion`, or refuses (409) when the wallet's policy is
 * no longer `baseVersion`. With a change id (a governed change), a second application of the same
 * change is a no-op: a retried sweep applies it once.
 */
export async function writePolicy(
  deps: Pick<TransferDeps, 'wallets' | 'audit' | 'clock'>,
  request: {
    readonly walletId: string;
    readonly actor: string;
    readonly payload: SetPolicyPayload;
    readonly changeId?: string;
  },
): Promise<PolicySet> {
  const { payload, changeId } = request;
  const current = await loadWallet(deps.wallets, request.walletId);
  if (changeId !== undefined && current.appliedChangeIds?.includes(changeId) === true && current.policy !== undefined)
    return { walletId: current.id, version: current.policy.version, policy: serializePolicy(current.policy) };
  const at = deps.clock();
  const wallet = await changeWallet(deps.wallets, { walletId: request.walletId, actor: request.actor, at }, (w) => {
    if ((w.policy?.version ?? 0) !== payload.baseVersion) throw stalePolicy(w.policy?.version ?? 0);
    const version = payload.baseVersion + 1;
    return {
      type: 'POLICY_SET',
      data: { policy: { ...payload.policy, version }, version, ...(changeId === undefined ? {} : { changeId }) },
    };
  });
  const policy = wallet.policy;
  if (policy === undefined) throw new Error('a wallet has a policy after POLICY_SET');
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: request.actor,
    action: 'POLICY_SET',
    inputs: changeId === undefined ? serializePolicy(policy) : { changeId, policy: serializePolicy(policy) },
    result: `policy version ${policy.version} with ${policy.rules.length} rules`,
    at,
  });
  return { walletId: wallet.id, version: policy.version, policy: serializePolicy(policy) };
}

function stalePolicy(current: number): ConflictError {
  return new ConflictError(
    'STORE.CONFLICT',
    `the wallet's policy is version ${current} and its next is ${current + 1}: re-read the policy and decide again`,
    { details: { field: 'version', expectedVersion: current + 1 } },
  );
}
