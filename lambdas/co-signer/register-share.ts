import type { AttestationVerifier } from '../../enclave-host/contract';
import { isAttestationError } from '../../enclave-host/attestation/attestation-error';
import { DEFAULT_ATTESTATION_MAX_AGE_SECONDS, type CoSignerConfig } from './co-signer-config';
import { CoSignerRefusal, refuse, type CoSignerRegistrationRefusalCode } from './domain/co-signer-refusal';
import { decodeCanonical } from './domain/decode-canonical';
import { mpcKeyUserData } from '../../enclave-host/enclave/mpc-key-user-data';
import { parseCoSignerShare } from './domain/parse-co-signer-share';
import type { CoSignerShareStore } from './ports/co-signer-share-store';

export interface RegisterShareDeps {
  readonly config: Pick<CoSignerConfig, 'deploymentId' | 'pcrs' | 'attestationMaxAgeSeconds'>;
  readonly shares: CoSignerShareStore;
  readonly verifier: AttestationVerifier;
  readonly clock: () => Date;
}

/** What the provisioning step hands over from the enclave's `CreatedMpcKey`: all of it unchecked. */
export interface RegisterShareInput {
  readonly coSignerShare: unknown;
  /** The key's attestation document, base64. */
  readonly attestation: unknown;
  /** Share 3's HPKE ciphertext (`recoveryShare.ciphertext`, base64url): only its digest is checked, it is not kept. */
  readonly recoveryShareCiphertext: unknown;
}

export type RegisterShareAnswer =
  | {
      readonly ok: true;
      readonly outcome: 'registered' | 'already-registered';
      readonly walletId: string;
      readonly epoch: string;
    }
  | { readonly ok: false; readonly code: CoSignerRegistrationRefusalCode; readonly message: string };

/** An HPKE ciphertext of a 33-byte share is 49 bytes; a bound keeps a hostile input small. */
const MAX_RECOVERY_CIPHERTEXT_BYTES = 4096;
const MAX_ATTESTATION_BYTES = 16 * 1024;

/**
 * Registers share 2 of a new mpc key, only if the enclave vouched for it: the key's attestation
 * verifies (chain, PCRs, freshness) with user data = `mpcKeyUserData` over this deployment, the share's
 * wallet, address and epoch and the digests of shares 2 and 3 as handed over, so a host that swapped a
 * ciphertext, an address or a wallet registers nothing. One share per (wallet, epoch), never replaced;
 * an epoch older than the wallet's current one, or a retired one, is refused.
 */
export async function registerShare(deps: RegisterShareDeps, input: RegisterShareInput): Promise<RegisterShareAnswer> {
  try {
    return await register(deps, input);
  } catch (cause) {
    if (cause instanceof CoSignerRefusal)
      return { ok: false, code: cause.code as CoSignerRegistrationRefusalCode, message: cause.message };
    throw cause;
  }
}

async function register(deps: RegisterShareDeps, input: RegisterShareInput): Promise<RegisterShareAnswer> {
  const { share, ciphertext } = parseCoSignerShare(input.coSignerShare);
  const recoveryCiphertext = decodeCanonical(
    input.recoveryShareCiphertext,
    'base64url',
    'recoveryShareCiphertext',
    MAX_RECOVERY_CIPHERTEXT_BYTES,
  );
  const document = decodeCanonical(input.attestation, 'base64', 'attestation', MAX_ATTESTATION_BYTES);
  const { context } = share;
  if (context.deployment !== deps.config.deploymentId)
    refuse('COSIGNER.WRONG_DEPLOYMENT', `the share is for deployment ${context.deployment}, not this co-signer's`);

  const now = deps.clock();
  try {
    await deps.verifier.verify(document, {
      pcrs: deps.config.pcrs,
      now,
      maxAgeSeconds: deps.config.attestationMaxAgeSeconds ?? DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
      userData: mpcKeyUserData({
        deployment: context.deployment,
        walletId: context.walletId,
        address: context.address,
        epoch: context.epoch,
        coSignerCiphertext: ciphertext,
        recoveryCiphertext,
      }),
    });
  } catch (cause) {
    if (isAttestationError(cause))
      refuse('COSIGNER.ATTESTATION_INVALID', `the key's attestation does not vouch for this share: ${cause.message}`);
    throw cause;
  }

  const current = await deps.shares.current(context.walletId);
  if (current !== undefined) {
    const currentEpoch = Number(current.share.context.epoch);
    if (Number(context.epoch) < currentEpoch)
      refuse(
        'COSIGNER.EPOCH_RETIRED',
        `epoch ${context.epoch} is older than the wallet's current epoch ${currentEpoch}`,
      );
    if (Number(context.epoch) === currentEpoch && current.retired !== undefined)
      refuse('COSIGNER.EPOCH_RETIRED', `epoch ${context.epoch} of wallet ${context.walletId} is retired`);
  }
  const outcome = await deps.shares.register(share, now);
  if (outcome === 'conflict')
    refuse(
      'COSIGNER.SHARE_CONFLICT',
      `another share is registered for wallet ${context.walletId}, epoch ${context.epoch}`,
    );
  return { ok: true, outcome, walletId: context.walletId, epoch: context.epoch };
}
