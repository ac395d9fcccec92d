import { AuthError } from './errors';

/** The roles a bearer token can carry. */
export const ROLES = ['admin', 'operator', 'approver', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

/** Who asks: the JWT subject, its roles, and the wallets its token is limited to. */
export interface Principal {
  readonly id: string;
  readonly roles: readonly Role[];
  /**
   * The wallets this principal may act on or read, from the token's `wallets` claim (an operator, or
   * an AI agent's API client, limited to the wallets it runs). Absent: every wallet, as its roles allow.
   */
  readonly wallets?: readonly string[];
}

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Whether the principal's token lets it act on this wallet (an unscoped token: every wallet). */
export const inWalletScope = (principal: Principal, walletId: string): boolean =>
  principal.wallets === undefined || principal.wallets.includes(walletId);

/**
 * Refuses (403 AUTH.WALLET_NOT_IN_SCOPE) a principal whose token is limited to other wallets. Every
 * wallet-bound route calls it with the wallet it touches: named in the path or body, or the wallet of
 * the transfer or approval request it names.
 */
export function requireWalletInScope(principal: Principal, walletId: string): void {
  if (inWalletScope(principal, walletId)) return;
  throw new AuthError('AUTH.WALLET_NOT_IN_SCOPE', 'this token is not scoped to this wallet', {
    details: { walletId },
  });
}

/**
 * Refuses (403 AUTH.WALLET_NOT_IN_SCOPE) a wallet-scoped token on a route whose records span wallets
 * and are not filtered by wallet (audit trails, reconciliation exceptions): deny by default, so a
 * token limited to some wallets never reads another wallet's records there.
 */
export function requireUnscoped(principal: Principal, what: string): void {
  if (principal.wallets === undefined) return;
  throw new AuthError('AUTH.WALLET_NOT_IN_SCOPE', `a token scoped to named wallets cannot read ${what}`, {
    details: { scopedTo: principal.wallets },
  });
}

/**
 * A listing a scoped token may make: by one of its wallets only (a listing by anything else would
 * cross into other wallets). An unscoped token lists as its roles allow.
 */
export function requireListingInScope(principal: Principal, walletId: string | undefined): void {
  if (principal.wallets === undefined) return;
  if (walletId === undefined)
    throw new AuthError('AUTH.WALLET_NOT_IN_SCOPE', 'a token scoped to named wallets lists by walletId');
  requireWalletInScope(principal, walletId);
}
