import { randomBytes } from 'node:crypto';
import { bytesToHex, getAddress, sha256, type Hex } from 'viem';
import type { CoSignerShare, CreatedMpcKey, HpkeSealed, ShareContext } from '../../../enclave-host/contract';
import { agentKeyUserData } from '../../../enclave-host/enclave/agent-key-user-data';
import { mpcKeyUserData } from '../../../enclave-host/enclave/mpc-key-user-data';
import { decodeBase64url, isShareError, parseRecoveryPublicKey } from '../../../enclave-host/shares';
import { sameAddress, type Address } from '../../domain/address';
import {
  agentKeyId,
  keyShareId,
  type SealedKeyShare,
  type WalletSealedKey,
} from '../../domain/wallets/sealed-agent-key';
import { DependencyUnavailableError, StrongroomError, ValidationError } from '../../domain/errors';
import { normaliseIdempotencyKey } from '../../domain/idempotency-key';
import type { Principal } from '../../domain/principal';
import { parseCreateWalletRequest } from '../../domain/wallets/parse-create-wallet-request';
import type { KeyScheme, KeyShares, Wallet, WalletStatus } from '../../domain/wallets/wallet';
import type { CreateWalletRequest } from '../../domain/wallets/parse-create-wallet-request';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';
import { walletIdOf } from './wallet-id-of';

export type CreateWalletDeps = Pick<
  TransferDeps,
  'wallets' | 'chains' | 'keyVault' | 'agentKeys' | 'coSigner' | 'deploymentId' | 'audit' | 'clock'
>;

export interface CreatedWallet {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  readonly status: WalletStatus;
  /**
   * An mpc wallet's share 3, HPKE-encrypted to the request's `recoveryPublicKey` (only its private key
   * opens it: `npm run recover -- open`). In the answer of the request that created the wallet and in
   * no other: strongroom never stores it, logs it or puts it in an event or audit record.
   */
  readonly recoveryShare?: HpkeSealed;
  /**
   * mpc wallets only: whether this answer carries `recoveryShare`. False when the answer is a replay
   * (a retry under the same Idempotency-Key of a creation that succeeded): share 3 was in the first
   * answer only, and there is no copy to send again. A customer who lost it rotates the key, which
   * makes a new key and a new share 3.
   */
  readonly recoveryShareReturned?: boolean;
}

/** What WALLET_CREATED records of the new key, and (mpc) share 3 for the answer only. */
interface NewKey {
  readonly keyId: string;
  readonly address: Address;
  readonly sealedKey?: WalletSealedKey;
  readonly keyShares?: KeyShares;
  readonly attestationSha256?: Hex;
  readonly recoveryShare?: HpkeSealed;
}

/**
 * Creates a wallet (`POST /v1/wallets`) and the wallet's WALLET_CREATED event, with a fresh custody
 * key: for `kms`, in the key vault, owned by the new wallet id; for `enclave`, made and sealed inside
 * the enclave, and registered only once the enclave's attestation of (deployment, wallet, address)
 * verifies; for `mpc` (issue 16), made inside the enclave and split 2-of-3: every context of the three
 * shares checked, the attestation of (deployment, wallet, address, epoch, shares 2 and 3) verified, and
 * share 2 registered with the co-signer (which checks the attestation itself) before the wallet is;
 * share 3 goes back in this answer only. A co-signer that refuses or cannot be reached leaves no
 * wallet. Everything in the request is checked before a key is made, so a refused request leaves no
 * key behind.
 *
 * An Idempotency-Key is optional here. With one, the wallet id derives from (caller, key): a retry
 * finds the wallet the first attempt registered and answers as it did (the same name, chain, key
 * scheme and recovery key; otherwise 409 IDEMPOTENCY.KEY_REUSED), but without share 3
 * (`recoveryShareReturned: false`); an enclave or mpc wallet's retry after a 503 asks the enclave for
 * the same wallet again (the key job is named after the wallet). Without one, each request is a new
 * wallet with a random id, as before.
 */
export async function createWallet(
  deps: CreateWalletDeps,
  request: { readonly principal: Principal; readonly body: unknown; readonly idempotencyKey?: unknown },
): Promise<CreatedWallet> {
  const parsed = parseCreateWalletRequest(request.body);
  if (parsed.recoveryPublicKey !== undefined) refuseLowOrderKey(parsed.recoveryPublicKey);
  deps.chains.get(parsed.chainId); // CHAIN.UNKNOWN (400) for a chain this deployment does not serve
  const keyed = request.idempotencyKey !== undefined;
  const id = keyed
    ? walletIdOf(request.principal.id, normaliseIdempotencyKey(request.idempotencyKey))
    : `w-${randomBytes(8).toString('hex')}`;
  if (keyed) {
    const earlier = await deps.wallets.get(id);
    if (earlier !== undefined) return replayed(earlier, parsed);
  }
  let key: NewKey;
  try {
    key = await newKey(deps, id, parsed);
  } catch (error) {
    // A concurrent attempt under the same key registered the wallet while this one was refused (its
    // share 2 conflicts with the first's at the co-signer, say): answered as a replay.
    const earlier = keyed && error instanceof StrongroomError ? await deps.wallets.get(id) : undefined;
    if (earlier === undefined) throw error;
    return replayed(earlier, parsed);
  }
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
          ...(key.keyShares === undefined ? {} : { keyShares: key.keyShares }),
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
  // Share 3 leaves here, in this answer, and nowhere else.
  return key.recoveryShare === undefined
    ? answerOf(wallet)
    : { ...answerOf(wallet), recoveryShare: key.recoveryShare, recoveryShareReturned: true };
}

/** The new wallet's key, by its scheme. */
function newKey(deps: CreateWalletDeps, walletId: string, parsed: CreateWalletRequest): Promise<NewKey> {
  switch (parsed.keyScheme) {
    case 'kms':
      return deps.keyVault.createKey({ ownerId: walletId, purpose: 'custody' });
    case 'enclave':
      return attestedAgentKey(deps, walletId);
    case 'mpc':
      if (parsed.recoveryPublicKey === undefined) throw new Error('an mpc request parses with its recovery key');
      return registeredKeyShares(deps, walletId, parsed.recoveryPublicKey);
  }
}

/**
 * The answer to a creation retried under its Idempotency-Key: the wallet as registered, if the retry
 * asks for what the first attempt did (name, chain, key scheme, recovery key); a different request
 * under a used key is refused, as a transfer's is. Writes nothing. An mpc wallet's replay says that
 * it carries no share 3 (`recoveryShareReturned: false`).
 */
function replayed(earlier: Wallet, parsed: CreateWalletRequest): CreatedWallet {
  if (
    earlier.name !== parsed.name ||
    earlier.chainId !== parsed.chainId ||
    earlier.keyScheme !== parsed.keyScheme ||
    earlier.keyShares?.recoveryPublicKey !== parsed.recoveryPublicKey
  )
    throw new StrongroomError(
      'IDEMPOTENCY.KEY_REUSED',
      'this Idempotency-Key was already used with a different request body',
      { details: { walletId: earlier.id } },
    );
  // Share 3 was in the first answer only: nothing keeps a copy to send again.
  return earlier.keyScheme === 'mpc' ? { ...answerOf(earlier), recoveryShareReturned: false } : answerOf(earlier);
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
): Promise<NewKey> {
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

/**
 * An mpc key (issue 16) for wallet `walletId`: made inside the enclave and split 2-of-3, share 3
 * encrypted to `recoveryPublicKey`. Before anything counts: every share is checked to be bound to this
 * deployment, wallet, address (EIP-55, as the contexts authenticate it) and epoch and to its own place
 * (share 1 sealed as a key share of version = epoch; share 2 for the co-signer, share 3 for the
 * customer); the attestation must carry `mpcKeyUserData` over exactly these, with the digests of the
 * ciphertexts of shares 2 and 3 as handed over. Then the co-signer registers share 2, after verifying
 * the same attestation itself; a refusal or an outage throws, and no wallet is made.
 */
async function registeredKeyShares(
  deps: Pick<CreateWalletDeps, 'agentKeys' | 'coSigner' | 'deploymentId'>,
  walletId: string,
  recoveryPublicKey: string,
): Promise<NewKey & { readonly sealedKey: SealedKeyShare; readonly recoveryShare: HpkeSealed }> {
  const created = await deps.agentKeys.createMpcKey(walletId, recoveryPublicKey);
  const { epoch, sealedShare, coSignerShare, recoveryShare } = created;
  const invalid = (what: string): never => {
    throw new StrongroomError(
      'ENCLAVE.ATTESTATION_INVALID',
      `the enclave's key shares for ${walletId} are not this wallet's: ${what}`,
      { details: { walletId } },
    );
  };
  const address = checksummed(created, invalid);
  if (epoch !== '1') invalid(`a new key's epoch is 1, not ${String(epoch)}`);
  if (
    sealedShare.format !== 'strongroom.sealed.v1' ||
    sealedShare.context.walletId !== walletId ||
    sealedShare.context.deployment !== deps.deploymentId ||
    sealedShare.context.purpose !== 'key-share' ||
    sealedShare.context.version !== epoch ||
    !sameAddress(sealedShare.address, address)
  )
    invalid('share 1 is sealed for another wallet, deployment, purpose, epoch or address');
  const expected = (share: ShareContext['share']): ShareContext => ({
    deployment: deps.deploymentId,
    walletId,
    address,
    epoch,
    share,
  });
  if (coSignerShare.format !== 'strongroom.cosigner-share.v1' || !sameContext(coSignerShare.context, expected('2')))
    invalid("share 2 is not bound to this deployment, wallet, address and epoch as the co-signer's share");
  if (recoveryShare.format !== 'strongroom.hpke.v1' || !sameContext(recoveryShare.context, expected('3')))
    invalid("share 3 is not bound to this deployment, wallet, address and epoch as the customer's share");
  const coSignerCiphertext = base64ToBytes(coSignerShare.ciphertextBlob, 'share 2');
  const recoveryCiphertext = decodeBase64url(recoveryShare.ciphertext) ?? invalid('share 3 is not base64url');
  const document = base64ToBytes(created.attestation, 'the attestation');
  await deps.agentKeys.verifyAttestation(
    document,
    bytesToHex(
      mpcKeyUserData({
        deployment: deps.deploymentId,
        walletId,
        address,
        epoch,
        coSignerCiphertext,
        recoveryCiphertext,
      }),
    ),
  );
  await registerWithCoSigner(deps, walletId, epoch, {
    coSignerShare,
    attestation: created.attestation,
    recoveryShareCiphertext: recoveryShare.ciphertext,
  });
  return {
    keyId: keyShareId(sealedShare as SealedKeyShare),
    address,
    sealedKey: sealedShare as SealedKeyShare,
    keyShares: { epoch, recoveryPublicKey },
    attestationSha256: sha256(document),
    recoveryShare,
  };
}

/**
 * Share 2 registered with the co-signer, or a throw: a refusal is COSIGNER.REFUSED (its code in the
 * details), an outage COSIGNER.UNAVAILABLE (503; a retry under the same Idempotency-Key asks again).
 */
async function registerWithCoSigner(
  deps: Pick<CreateWalletDeps, 'coSigner'>,
  walletId: string,
  epoch: string,
  registration: {
    readonly coSignerShare: CoSignerShare;
    readonly attestation: string;
    readonly recoveryShareCiphertext: string;
  },
): Promise<void> {
  let answer;
  try {
    answer = await deps.coSigner.register(registration);
  } catch (error) {
    if (error instanceof StrongroomError) throw error;
    throw new DependencyUnavailableError(
      'COSIGNER.UNAVAILABLE',
      `the co-signer did not answer for wallet ${walletId}`,
      {
        cause: error,
        details: { walletId },
      },
    );
  }
  if (!answer.ok)
    throw new StrongroomError(
      'COSIGNER.REFUSED',
      `the co-signer refused share 2 of wallet ${walletId}: ${answer.code}`,
      {
        details: { walletId, coSignerCode: answer.code },
      },
    );
  if (answer.walletId !== walletId || answer.epoch !== epoch)
    throw new StrongroomError(
      'COSIGNER.REFUSED',
      `the co-signer answered for wallet ${answer.walletId} epoch ${answer.epoch}, not ${walletId} epoch ${epoch}`,
      { details: { walletId, coSignerCode: 'COSIGNER.WRONG_ANSWER' } },
    );
}

/** The key's address in EIP-55, as the share contexts must spell it; a malformed one is the enclave's fault. */
function checksummed(created: CreatedMpcKey, invalid: (what: string) => never): Address {
  try {
    return getAddress(created.address);
  } catch {
    return invalid('its address is not an address');
  }
}

/** Exactly the expected context, every field as spelled (the address too: HPKE's aad and KMS's context authenticate the spelling). */
function sameContext(context: ShareContext, expected: ShareContext): boolean {
  return (
    context.deployment === expected.deployment &&
    context.walletId === expected.walletId &&
    context.address === expected.address &&
    context.epoch === expected.epoch &&
    context.share === expected.share
  );
}

/** Canonical base64 only (Node's decoder skips what it does not know), and not empty. */
function base64ToBytes(text: string, what = 'the attestation'): Uint8Array {
  const bytes = typeof text === 'string' && text.length > 0 ? Buffer.from(text, 'base64') : undefined;
  if (bytes === undefined || bytes.toString('base64') !== text)
    throw new StrongroomError('ENCLAVE.ATTESTATION_INVALID', `${what} is not base64`);
  return new Uint8Array(bytes);
}

/**
 * Refuses a recovery public key that anyone could decrypt to: a low-order X25519 point (all zeros and
 * a few others) makes every HPKE shared secret computable by all, so share 3 encrypted to it would be
 * public. Checked here with enclave-host/shares' `parseRecoveryPublicKey` (noble), before any key is
 * made; its encoding and length were checked by the domain's parser, which may import only viem.
 */
function refuseLowOrderKey(recoveryPublicKey: string): void {
  try {
    parseRecoveryPublicKey(recoveryPublicKey);
  } catch (cause) {
    if (!isShareError(cause)) throw cause;
    // The ShareError's message starts with the field's name: the ValidationError adds it again.
    const reason = cause.message.replace(/^recoveryPublicKey /, '');
    throw new ValidationError('REQUEST.INVALID_FIELD', 'recoveryPublicKey', reason, { cause });
  }
}
