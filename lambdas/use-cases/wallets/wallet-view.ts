import type { KeyScheme, StatusChange, Wallet, WalletStatus } from '../../domain/wallets/wallet';
import { registryTraceId } from '../registry-trace-id';

/** A wallet as the API shows it: never its key id (an internal KMS ARN or vault id). */
export interface WalletView {
  readonly id: string;
  readonly name: string;
  readonly chainId: number;
  readonly address: string;
  readonly keyScheme: KeyScheme;
  readonly status: WalletStatus;
  readonly policyVersion: number;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly updatedAt: Date;
  readonly frozen?: StatusChange;
  readonly lockedDown?: StatusChange;
  /** Once its key is rotated: the successor it sends to, and nowhere else. */
  readonly rotatedTo?: Wallet['rotatedTo'];
  /** Once its key is revoked: it signs nothing more. */
  readonly keyRevoked?: StatusChange;
  /** Where the audit trail of the wallet's registry changes is: `GET /v1/audit/{auditTraceId}`. */
  readonly auditTraceId: string;
}

export function walletView(wallet: Wallet): WalletView {
  return {
    id: wallet.id,
    name: wallet.name,
    chainId: wallet.chainId,
    address: wallet.address,
    keyScheme: wallet.keyScheme,
    status: wallet.status,
    policyVersion: wallet.policy?.version ?? 0,
    createdAt: wallet.createdAt,
    createdBy: wallet.createdBy,
    updatedAt: wallet.updatedAt,
    ...(wallet.frozen === undefined ? {} : { frozen: wallet.frozen }),
    ...(wallet.lockedDown === undefined ? {} : { lockedDown: wallet.lockedDown }),
    ...(wallet.rotatedTo === undefined ? {} : { rotatedTo: wallet.rotatedTo }),
    ...(wallet.keyRevoked === undefined ? {} : { keyRevoked: wallet.keyRevoked }),
    auditTraceId: registryTraceId('wallet', wallet.id),
  };
}
