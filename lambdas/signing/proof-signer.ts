import { hashTypedData, serializeSignature, type Hex } from 'viem';
import type { Address } from '../domain/address';
import { ProofError, SigningError, StrongroomError } from '../domain/errors';
import { assertSignedBy } from '../domain/proof/assert-signed-by';
import {
  buildAuditCheckpointTypedData,
  hashAuditCheckpoint,
  verifyAuditCheckpoint,
} from '../domain/proof/audit-checkpoint';
import { buildAuthorizationTypedData, type AuthorizationProof } from '../domain/proof/authorization-proof';
import { isAllowedProofTypedData } from '../domain/proof/is-allowed-proof-typed-data';
import type { AuditCheckpointPayload, CheckpointSigner } from '../ports/audit-log';
import type { KeyPurpose, KeyVault } from '../ports/key-vault';
import { knownKeyOf, type KnownKey } from './known-key';

/** The keys that sign the domain's statements; custody keys never come here (invariant 2). */
export type ProofKeyPurpose = Extract<KeyPurpose, 'approval' | 'audit'>;

/** Each key signs one statement only, so a stolen call path cannot make one key speak for the other. */
const PRIMARY_TYPE: Record<ProofKeyPurpose, string> = { approval: 'Authorization', audit: 'AuditCheckpoint' };

export interface ProofSignerDeps {
  readonly keyVault: KeyVault;
  readonly keyId: string;
  readonly purpose: ProofKeyPurpose;
  /** Which installation's domain the key signs for (the EIP-712 salt). */
  readonly deploymentId: string;
}

/** The approval or audit key, able to sign only its own kind of the domain's typed data. */
export interface ProofSigner {
  readonly purpose: ProofKeyPurpose;
  /** The key's address as its vault reports it; signatures are checked against it. */
  address(): Promise<Address>;
  /**
   * Signs `typedData` only when it is this deployment's Authorization (approval key) or
   * AuditCheckpoint (audit key) with exactly the domain's types; SIGNER.FORBIDDEN_PAYLOAD otherwise.
   */
  signTypedData(typedData: unknown): Promise<Hex>;
  /** Builds the Authorization typed data of `proof` (domain on the transaction's chain) and signs it. */
  signAuthorization(proof: AuthorizationProof): Promise<Hex>;
  /** The audit key as the audit log's CheckpointSigner port; KEY.WRONG_PURPOSE for the approval key. */
  checkpointSigner(): CheckpointSigner;
}

/**
 * Signs with the approval or the audit key, through the KeyVault's raw `signDigest`, but only over
 * the digest of typed data that `isAllowedProofTypedData` accepts and whose primary type is the
 * key's own: never a permit, an order or anything else a contract would honour. It asks the vault for
 * a key of its own purpose, so a custody key id configured here is refused there (KEY.WRONG_PURPOSE).
 *
 * The output is 65 bytes r ‖ s ‖ v (v 27/28, low-s), exactly the one encoding the domain's
 * `assertSignedBy` accepts, and it is checked to recover to the key before it is returned, so a
 * faulty vault surfaces here as KEY.BAD_SIGNATURE rather than as a proof every signer refuses.
 *
 * That check, and the audit key's checkpoint `verify`, run against the key's public key when the
 * vault gives it (`publicKeyOf`, whose address must be `address()`), with multiplication tables since
 * these two keys verify for every transfer; by recovery when it does not. Both accept exactly what
 * `assertSignedBy` with the key's address accepts.
 */
export function proofSigner(deps: ProofSignerDeps): ProofSigner {
  const { keyVault, keyId, purpose, deploymentId } = deps;
  // Checked at run time too: configuration is parsed JSON, and a custody key must never get here.
  if (purpose !== 'approval' && purpose !== 'audit') {
    throw new SigningError(
      'KEY.WRONG_PURPOSE',
      `a proof signer holds the approval or the audit key, not a ${String(purpose)} key`,
    );
  }
  const primaryType = PRIMARY_TYPE[purpose];
  let cachedAddress: Address | undefined;

  const address = async (): Promise<Address> => {
    cachedAddress ??= await keyVault.addressOf(keyId);
    return cachedAddress;
  };

  /** null: the vault gives no public key, and signatures are checked by recovery. */
  let cachedKey: KnownKey | null | undefined;
  const knownKey = async (): Promise<KnownKey | undefined> => {
    if (cachedKey === undefined) {
      const key = await knownKeyOf(keyVault, keyId, await address());
      key?.precompute();
      cachedKey = key ?? null;
    }
    return cachedKey ?? undefined;
  };

  const signTypedData = async (typedData: unknown): Promise<Hex> => {
    // A snapshot, so the data checked is the data hashed even if the caller's object has getters.
    const snapshot = cloneOrUndefined(typedData);
    if (!isAllowedProofTypedData(snapshot, deploymentId)) {
      throw forbidden(`the ${purpose} key signs only this deployment's ${primaryType} typed data`);
    }
    const checked = snapshot as Parameters<typeof hashTypedData>[0];
    if (checked.primaryType !== primaryType) {
      throw forbidden(`the ${purpose} key signs ${primaryType}, never ${String(checked.primaryType)}`);
    }
    const digest = hashTypedData(checked);
    const expected = await address();
    const key = await knownKey();
    const signature = await keyVault.signDigest(keyId, digest, purpose);
    const bad = `key ${keyId} returned a signature that is not canonical or not by ${expected}`;
    const badSignature = (cause?: unknown): SigningError => new SigningError('KEY.BAD_SIGNATURE', bad, { cause });
    if (key !== undefined) {
      if (!key.verifies(digest, signature)) throw badSignature();
      return serializeSignature(signature);
    }
    try {
      const serialized = serializeSignature(signature);
      await assertSignedBy({ digest, signature: serialized, expectedSigner: expected });
      return serialized;
    } catch (cause) {
      throw badSignature(cause);
    }
  };

  return {
    purpose,
    address,
    signTypedData,
    signAuthorization: (proof) =>
      signTypedData(buildAuthorizationTypedData({ deploymentId, chainId: proof.transaction.chainId }, proof)),
    checkpointSigner: () => {
      if (purpose !== 'audit')
        throw new SigningError('KEY.WRONG_PURPOSE', `the ${purpose} key does not sign audit checkpoints`);
      return {
        sign: (checkpoint: AuditCheckpointPayload) =>
          signTypedData(buildAuditCheckpointTypedData({ deploymentId }, checkpoint)),
        typedData: (checkpoint: AuditCheckpointPayload) => buildAuditCheckpointTypedData({ deploymentId }, checkpoint),
        verify: async (checkpoint: AuditCheckpointPayload, signature: Hex) => {
          // Resolved outside the try: a vault that does not answer is an outage, not a forged checkpoint.
          const expectedSigner = await address();
          const key = await knownKey();
          if (key !== undefined) {
            // verifyAuditCheckpoint is assertSignedBy over this digest; verifiesSerialized accepts the same.
            let digest: Hex;
            try {
              digest = hashAuditCheckpoint({ deploymentId }, checkpoint);
            } catch (error) {
              if (isProofRefusal(error)) return false;
              throw error;
            }
            return key.verifiesSerialized(digest, signature);
          }
          return verifyAuditCheckpoint({ domain: { deploymentId }, checkpoint, signature, expectedSigner }).then(
            () => true,
            (error: unknown) => {
              if (isProofRefusal(error)) return false;
              throw error;
            },
          );
        },
      };
    },
  };
}

function cloneOrUndefined(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/** A bad or foreign signature, or a checkpoint that does not encode: "does not verify", not an outage. */
function isProofRefusal(error: unknown): boolean {
  return error instanceof ProofError || (error instanceof StrongroomError && error.code === 'PROOF.MALFORMED');
}

function forbidden(message: string): SigningError {
  return new SigningError('SIGNER.FORBIDDEN_PAYLOAD', message);
}
