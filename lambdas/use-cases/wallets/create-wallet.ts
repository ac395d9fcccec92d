import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, sha256, type Hex } from 'viem';
import { agentKeyUserData } from '../../../enclave-host/enclave/agent-key-user-data';
import { sameAddress, type Address } from '../../domain/address';
import { agentKeyId, type SealedAgentKey } from '../../domain/wallets/sealed-agent-key';
import { StrongroomError, ValidationError } from '../../domain/errors';
import { normaliseIdempotencyKey } from '../../domain/idempotency-key';
import type { Principal } from '../../domain/principal';
import { parseCreateWalletRequest } from '../../domain/wallets/parse-create-wallet-request';
import type { KeyScheme, Wallet, WalletStatus } from '../../domain/wallets/wallet';
import type { CreateWalletRequest } from '../../domain/wallets/parse-create-wallet-request';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { walletIdOf } from './wallet-id-of';

export type CreateWalletDeps = Pick<
  TransferDeps,
  'wallets' | 'chains' | 'keyVault' | 'agentKeys' | 'deploymentId' | 'audit' | 'clock'
>;

export interface CreatedWallet {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  readonly status: WalletStatus;
}

/**
 * Creates a wallet (`POST /v1/wallets`) and the wallet's WALLET_CREATED event, with a fresh custody
 * key: for `kms`, in the key vault, owned by the new wallet id; for `enclave`, made and sealed inside
 * the enclave, and registered only once the enclave's attestation of (deployment, wallet, address)
 * verifies. `mpc` wallets do not exist yet. Everything is checked before the key is made, so a
 * refused request leaves no key behind.
 *
 * An Idempotency-Key is optional here. With one, the wallet id derives from (caller, key): a retry
 * finds the wallet the first attempt registered and answers as it did (the same name, chain and key
 * scheme; otherwise 409 IDEMPOTENCY.KEY_REUSED), and an enclave wallet's retry after a 503 picks up the
 * key its first attempt asked the enclave for (the key job is named after the wallet). Without one,
 * each request is a new wallet with a random id, as before.
 */
export async function createWallet(
  deps: CreateWalletDeps,
  request: { readonly principal: Principal; readonly body: unknown; readonly idempotencyKey?: unknown },
): Promise<CreatedWallet> {
  const parsed = parseCreateWalletRequest(request.body);
  if (parsed.recoveryPublicKey !== undefined) assertCurvePoint(parsed.recoveryPublicKey);
  if (parsed.keyScheme === 'mpc') {
    throw new StrongroomError(
      'WALLET.KEY_SCHEME_NOT_AVAILABLE',
      `keyScheme "${parsed.keyScheme}" is not available until key shares exist: use "kms" or "enclave"`,
      {
        details: { field: 'keyScheme', keyScheme: parsed.keyScheme, available: ['kms', 'enclave'] },
      },
    );
  }
  deps.chains.get(parsed.chainId); // CHAIN.UNKNOWN (400) for a chain this deployment does not serve
  const keyed = request.idempotencyKey !== undefined;
  const id = keyed
    ? walletIdOf(request.principal.id, normaliseIdempotencyKey(request.idempotencyKey))
    : `w-${randomBytes(8).toString('hex')}`;
  if (keyed) {
    const earlier = await deps.wallets.get(id);
    if (earlier !== undefined) return replayed(earlier, parsed);
  }
  const key: { keyId: string; address: Address; sealedKey?: SealedAgentKey; attestationSha256?: Hex } =
    parsed.keyScheme === 'enclave'
      ? await attestedAgentKey(deps, id)
      : await deps.keyVault.createKey({ ownerId: id, purpose: 'custody' });
  const at = deps.clock();
  let wallet: Wallet;
  try {
    wallet = await deps.wallets.append(undefined, [
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
          ...(key.sealedKey === undefined ? {} : { sealedKey: key.sealedKey }),
          ...(key.attestationSha256 === undefined ? {} : { attestationSha256: key.attestationSha256 }),
        },
      },
    ]);
  } catch (error) {
    // A concurrent attempt under the same key registered it first: answered as a replay.
    const earlier = keyed && error instanceof StrongroomError ? await deps.wallets.get(id) : undefined;
    if (earlier === undefined) throw error;
    return replayed(earlier, parsed);
  }
  await recordAudit(deps.audit, {
    traceId: registryTraceId('wallet', id),
    actor: request.principal.id,
    action: 'WALLET_CREATED',
    inputs: parsed,
    result: `${id} holds ${wallet.address} on chain ${wallet.chainId} (${wallet.keyScheme})`,
    at,
  });
  return answerOf(wallet);
}

/**
 * The answer to a creation retried under its Idempotency-Key: the wallet as registered, if the retry
 * asks for what the first attempt did (name, chain, key scheme); a different request under a used key
 * is refused, as a transfer's is. Writes nothing.
 */
function replayed(earlier: Wallet, parsed: CreateWalletRequest): CreatedWallet {
  if (earlier.name !== parsed.name || earlier.chainId !== parsed.chainId || earlier.keyScheme !== parsed.keyScheme)
    throw new StrongroomError(
      'IDEMPOTENCY.KEY_REUSED',
      'this Idempotency-Key was already used with a different request body',
      { details: { walletId: earlier.id } },
    );
  return answerOf(earlier);
}

const answerOf = (wallet: Wallet): CreatedWallet => ({
  id: wallet.id,
  name: wallet.name,
  address: wallet.address,
  chainId: wallet.chainId,
  keyScheme: wallet.keyScheme,
  status: wallet.status,
});

/**
 * A key made and sealed inside the enclave for wallet `walletId`, whose attestation verified: the
 * document's user data must be agentKeyUserData(deployment, walletId, address) for exactly the
 * address and wallet about to be registered, and the sealed key must be sealed for them. The host
 * that carried the answer is not trusted with any of it.
 */
async function attestedAgentKey(
  deps: Pick<CreateWalletDeps, 'agentKeys' | 'deploymentId'>,
  walletId: string,
): Promise<{ keyId: string; address: Address; sealedKey: SealedAgentKey; attestationSha256: Hex }> {
  const created = await deps.agentKeys.createAgentKey(walletId);
  const { sealedKey } = created;
  if (
    sealedKey.context.walletId !== walletId ||
    sealedKey.context.deployment !== deps.deploymentId ||
    sealedKey.context.purpose !== 'agent-key' ||
    !sameAddress(sealedKey.address, created.address)
  )
    throw new StrongroomError(
      'ENCLAVE.ATTESTATION_INVALID',
      `the enclave's key for ${walletId} is sealed for another wallet, deployment or address`,
      { details: { walletId } },
    );
  const document = base64ToBytes(created.attestation);
  await deps.agentKeys.verifyAttestation(
    document,
    bytesToHex(agentKeyUserData(deps.deploymentId, walletId, created.address)),
  );
  return { keyId: agentKeyId(sealedKey), address: created.address, sealedKey, attestationSha256: sha256(document) };
}

function base64ToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length === 0)
    throw new StrongroomError('ENCLAVE.ATTESTATION_INVALID', 'the attestation is not base64');
  return new Uint8Array(Buffer.from(text, 'base64'));
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
