import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { createWallet } from '../../use-cases/wallets/create-wallet';
import { freezeWallet } from '../../use-cases/wallets/freeze-wallet';
import { getWallet } from '../../use-cases/wallets/get-wallet';
import { listWallets } from '../../use-cases/wallets/list-wallets';
import { setPolicy } from '../../use-cases/wallets/set-policy';
import { unfreezeWallet } from '../../use-cases/wallets/unfreeze-wallet';
import { apiHandler } from './http/api-handler';
import { pageOf, pathId, queryOf } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.wallets>, 'wallets'>('wallets', {
  'POST /v1/wallets': async (r, deps) => {
    const wallet = await createWallet(deps, { principal: requireRole(r.principal, 'admin'), body: r.body });
    return { status: 201, body: wallet, headers: { location: `/v1/wallets/${wallet.id}` } };
  },
  'GET /v1/wallets': async (r, deps) => {
    requireRole(r.principal, 'admin', 'operator', 'auditor');
    return { status: 200, body: await listWallets(deps, pageOf(queryOf(r, ['limit', 'nextToken']))) };
  },
  'GET /v1/wallets/{id}': async (r, deps) => {
    requireRole(r.principal, 'admin', 'operator', 'auditor');
    return { status: 200, body: await getWallet(deps, { walletId: pathId(r) }) };
  },
  'PUT /v1/wallets/{id}/policy': async (r, deps) => ({
    status: 200,
    body: await setPolicy(deps, { principal: requireRole(r.principal, 'admin'), walletId: pathId(r), body: r.body }),
  }),
  'POST /v1/wallets/{id}/freeze': async (r, deps) => ({
    status: 200,
    body: await freezeWallet(deps, {
      principal: requireRole(r.principal, 'admin', 'operator'),
      walletId: pathId(r),
      body: r.body,
    }),
  }),
  'POST /v1/wallets/{id}/unfreeze': async (r, deps) => ({
    status: 200,
    body: await unfreezeWallet(deps, {
      principal: requireRole(r.principal, 'admin'),
      walletId: pathId(r),
      body: r.body,
    }),
  }),
});

/** Wallets: create, list, read with balances, set the policy, freeze and unfreeze. */
export const walletsFunction = defineFunction(FUNCTIONS.wallets, (ports) =>
  apiHandler({ name: 'wallets', auth: 'required', deps: ports }, api),
);

export const { handler } = walletsFunction;
