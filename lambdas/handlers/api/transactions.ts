import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { requireListingInScope, requireWalletInScope } from '../../domain/principal';
import { parseReason } from '../../domain/parse-reason';
import { getTransfer } from '../../use-cases/transfers-read/get-transfer';
import { listTransfers } from '../../use-cases/transfers-read/list-transfers';
import { cancelTransfer } from '../../use-cases/transfers/cancel-transfer';
import { submitTransfer } from '../../use-cases/transfers/submit-transfer';
import { apiHandler } from './http/api-handler';
import { pageOf, pathId, queryOf } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.transactions>, 'transactions'>('transactions', {
  'POST /v1/transactions': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin', 'operator');
    return {
      status: 202,
      body: await submitTransfer(deps, {
        principal,
        idempotencyKey: r.headers['idempotency-key'],
        body: r.body,
        traceId: r.traceId,
        ...(r.clientTraceId === undefined ? {} : { clientTraceId: r.clientTraceId }),
      }),
    };
  },
  'GET /v1/transactions': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor');
    const query = queryOf(r, ['walletId', 'status', 'limit', 'nextToken']);
    requireListingInScope(principal, query.walletId);
    return {
      status: 200,
      body: await listTransfers(deps, { walletId: query.walletId, status: query.status, page: pageOf(query) }),
    };
  },
  'GET /v1/transactions/{id}': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor');
    const transfer = await getTransfer(deps, { transferId: pathId(r) });
    requireWalletInScope(principal, transfer.walletId);
    return { status: 200, body: transfer };
  },
  'POST /v1/transactions/{id}/cancel': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin', 'operator');
    return {
      status: 202,
      body: await cancelTransfer(deps, {
        principal,
        transferId: pathId(r),
        reason: parseReason(r.body, { required: false }),
      }),
    };
  },
});

/** Transfers: submit (202, workflow started), read one, list by wallet or status, cancel (202). */
export const transactionsFunction = defineFunction(FUNCTIONS.transactions, (ports) =>
  apiHandler({ name: 'transactions', auth: 'required', deps: ports }, api),
);

export const { handler } = transactionsFunction;
