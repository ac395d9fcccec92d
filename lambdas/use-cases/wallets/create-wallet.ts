import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Hex } from 'viem';
import { StrongroomError, ValidationError } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { parseCreateWalletRequest } from '../../domain/wallets/parse-create-wallet-request';
import type { KeyScheme, WalletStatus } from '../../domain/wallets/wallet';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';

export type CreateWalletDeps = Pick<TransferDeps, 'wallets' | 'chains' | 'keyVault' | 'audit' | 'clock'>;

export interface CreatedWallet {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  readonly status: WalletStatus;
}

/**
 * Creates a wallet (`POST /v1/wallets`): a fresh custody key in the key vault, owned by the new
 * wallet id, and the wallet's WALLET_CREATED event. Only `kms` wallets exist until the enclave does.
 * Everything is checked before the key is created, so a refused request leaves no key behind.
 */
export async function createWallet(
  deps: CreateWalletDeps,
  request: { readonly principal: Principal; readonly body: unknown },
): Promise<CreatedWallet> {
  const parsed = parseCreateWalletRequest(request.body);
  if (parsed.recoveryPublicKey !== undefined) assertCurvePoint(parsed.recoveryPublicKey);
  if (parsed.keyScheme !== 'kms') {
    throw new StrongroomError(
      'WALLET.KEY_SCHEME_NOT_AVAILABLE',
      `keyScheme "${parsed.keyScheme}" is not available until the enclave exists: use "kms"`,
      {
        details: { field: 'keyScheme', keyScheme: parsed.keyScheme, available: ['kms'] },
      },
    );
  }
  deps.chains.get(parsed.chainId); // CHAIN.UNKNOWN (400) for a chain this deployment does not serve
  const id = `w-${randomBytes(8).toString('hex')}`;
  const key = await deps.keyVault.createKey({ ownerId: id, purpose: 'custody' });
  const at = deps.clock();
  const wallet = await deps.wallets.append(undefined, [
    {
      walletId: id,
      seq: 1,
      type: 'WALLET_CREATED',
      at,
      actor: request.principal.id,
      data: {
        name: parsed.name,
        chainId: parsed.chainId,
        keyScheme: parsed.keyScheme,
        keyId: key.keyId,
        address: key.address,
      },
    },
  ]);
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', id),
    actor: request.principal.id,
    action: 'WALLET_CREATED',
    inputs: parsed,
    result: `${id} holds ${wallet.address} on chain ${wallet.chainId} (${wallet.keyScheme})`,
    at,
  });
  return {
    id,
    name: wallet.name,
    address: wallet.address,
    chainId: wallet.chainId,
    keyScheme: wallet.keyScheme,
    status: wallet.status,
  };
}

/**
 * Refuses a recovery public key that is not a point of secp256k1 (off the curve, a coordinate
 * beyond the field, a compressed x with no point, the point at infinity). A share encrypted to such
 * a point could never be opened, or worse, could leak through a small-subgroup key agreement; it is
 * refused as bad input rather than failing in the enclave. Its length and prefix were checked by the
 * domain's parser.
 *
 * Checked here, not in the domain, with @noble/curves (the library viem itself computes with), in
 * place of hand-written field arithmetic: the domain may import only viem and the Merkle tree, and
 * viem's public API has no point validation (`publicKeyToAddress` only hashes the bytes; its copy of
 * noble is reachable only through `viem/tempo`, a chain module the domain does not import).
 */
function assertCurvePoint(key: Hex): void {
  try {
    secp256k1.Point.fromHex(key.slice(2)); // decodes, then assertValidity(): on the curve, not infinity
  } catch (cause) {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'recoveryPublicKey', 'is not a point on the secp256k1 curve', {
      cause,
    });
  }
}
