import { Logger } from '@aws-lambda-powertools/logger';
import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { createWallet } from '../../use-cases/wallets/create-wallet';
import { freezeWallet } from '../../use-cases/wallets/freeze-wallet';
import { getWallet } from '../../use-cases/wallets/get-wallet';
import { listWallets } from '../../use-cases/wallets/list-wallets';
import { setPolicy } from '../../use-cases/wallets/set-policy';
import { unfreezeWallet } from '../../use-cases/wallets/unfreeze-wallet';
import { revokeWalletKey, rotateWalletKey } from '../../use-cases/wallets/rotate-wallet-key';
import { AuthError } from '../../domain/errors';
import { requireWalletInScope, type Principal } from '../../domain/principal';
import type { ApiRequest } from './http/api-request';
import { apiHandler } from './http/api-handler';
import { governedResponse } from './http/governed-response';
import { pageOf, pathId, queryOf } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

// Identifiers and outcomes only: what the co-signer did with a revoked wallet's share, never the share.
const logger = new Logger({ serviceName: 'strongroom-wallets' });

const api = functionRoutes<PortsOf<typeof FUNCTIONS.wallets>, 'wallets'>('wallets', {
  'POST /v1/wallets': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin');
    // A new wallet is in no token's scope: a token limited to named wallets does not make more.
    if (principal.wallets !== undefined)
      throw new AuthError('AUTH.WALLET_NOT_IN_SCOPE', 'a token scoped to named wallets cannot create wallets');
    const wallet = await createWallet(deps, {
      principal,
      body: r.body,
      // Optional: with one, a retry names the same wallet (and the same enclave key job).
      idempotencyKey: r.headers['idempotency-key'],
    });
    // An mpc wallet's answer carries share 3 (encrypted to the recovery key) when this request made the
    // wallet, `recoveryShareReturned: false` when it is a replay: the one place share 3 leaves.
    return { status: 201, body: wallet, headers: { location: `/v1/wallets/${wallet.id}` } };
  },
  'GET /v1/wallets': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin', 'operator', 'auditor');
    const page = pageOf(queryOf(r, ['limit', 'nextToken']));
    return { status: 200, body: await listWallets(deps, page, principal.wallets) };
  },
  'GET /v1/wallets/{id}': async (r, deps) => {
    scopedToPathWallet(requireRole(r.principal, 'admin', 'operator', 'auditor'), r);
    return { status: 200, body: await getWallet(deps, { walletId: pathId(r) }) };
  },
  'PUT /v1/wallets/{id}/policy': async (r, deps) => governedResponse(await setPolicy(deps, adminChange(r))),
  'POST /v1/wallets/{id}/freeze': async (r, deps) => ({
    status: 200,
    body: await freezeWallet(deps, {
      principal: scopedToPathWallet(requireRole(r.principal, 'admin', 'operator'), r),
      walletId: pathId(r),
      body: r.body,
    }),
  }),
  'POST /v1/wallets/{id}/unfreeze': async (r, deps) => governedResponse(await unfreezeWallet(deps, adminChange(r))),
  'POST /v1/wallets/{id}/rotate-key': async (r, deps) => {
    // An mpc successor's share 3 rides beside the change (applied or proposed): it exists in this answer only.
    const { recovery, ...outcome } = await rotateWalletKey(deps, adminChange(r));
    const response = governedResponse(outcome);
    return recovery === undefined ? response : { ...response, body: { ...(response.body as object), ...recovery } };
  },
  'POST /v1/wallets/{id}/revoke-key': async (r, deps) => {
    const outcome = await revokeWalletKey(deps, adminChange(r));
    if ('applied' in outcome && outcome.applied.coSignerShare === 'unavailable')
      logger.warn('co-signer share not retired: the co-signer was unavailable; the revocation stands', {
        walletId: outcome.applied.id,
      });
    return governedResponse(outcome);
  },
});

/** What every admin change to one wallet takes: the admin (scoped to the path's wallet), the wallet, the body. */
function adminChange(r: ApiRequest): {
  readonly principal: Principal;
  readonly walletId: string;
  readonly body: unknown;
} {
  return { principal: scopedToPathWallet(requireRole(r.principal, 'admin'), r), walletId: pathId(r), body: r.body };
}

/** The principal, once its token's wallet scope (if any) is checked to include the wallet in the path. */
function scopedToPathWallet(principal: Principal, r: ApiRequest): Principal {
  requireWalletInScope(principal, pathId(r));
  return principal;
}

/** Wallets: create, list, read with balances, set the policy, freeze and unfreeze, rotate and revoke keys (weakening changes go to governance). */
export const walletsFunction = defineFunction(FUNCTIONS.wallets, (ports) =>
  apiHandler({ name: 'wallets', auth: 'required', deps: ports }, api),
);

export const { handler } = walletsFunction;
