import { StrongroomError } from '../../domain/errors';
import { parsePolicy, serializePolicy, type PolicyJson } from '../../domain/policy/parse-policy';
import type { Principal } from '../../domain/principal';
import { expectObject } from '../../domain/validation';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { changeWallet } from './change-wallet';

export type SetPolicyDeps = Pick<TransferDeps, 'wallets' | 'groups' | 'audit' | 'clock'>;

/**
 * Sets a wallet's policy (`PUT /v1/wallets/{id}/policy`): parsed against the approval groups as they
 * are now (a group a rule names must exist and be large enough for its quorum), stored as the next
 * version. A body may name `version` to make the change conditional: it must then be the next one,
 * else 409, so two admins editing the same policy cannot silently overwrite each other.
 */
export async function setPolicy(
  deps: SetPolicyDeps,
  request: { readonly principal: Principal; readonly walletId: string; readonly body: unknown },
): Promise<{ walletId: string; version: number; policy: PolicyJson }> {
  const body = expectObject(request.body, 'body');
  const groups = new Map(
    (await deps.groups.all()).map((g): [string, { size: number }] => [g.id, { size: g.members.length }]),
  );
  const at = deps.clock();
  const wallet = await changeWallet(
    deps.wallets,
    { walletId: request.walletId, actor: request.principal.id, at },
    (current) => {
      const version = (current.policy?.version ?? 0) + 1;
      if (body.version !== undefined && body.version !== version) {
        throw new StrongroomError(
          'STORE.CONFLICT',
          `the wallet's next policy version is ${version}: re-read the policy and decide again`,
          {
            details: { field: 'version', expectedVersion: version },
          },
        );
      }
      return {
        type: 'POLICY_SET',
        data: { policy: serializePolicy(parsePolicy({ ...body, version }, { groups })), version },
      };
    },
  );
  const policy = wallet.policy;
  if (policy === undefined) throw new Error('a wallet has a policy after POLICY_SET');
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', wallet.id),
    actor: request.principal.id,
    action: 'POLICY_SET',
    inputs: serializePolicy(policy),
    result: `policy version ${policy.version} with ${policy.rules.length} rules`,
    at,
  });
  return { walletId: wallet.id, version: policy.version, policy: serializePolicy(policy) };
}
