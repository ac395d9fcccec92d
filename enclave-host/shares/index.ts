/**
 * 2-of-3 key shares of one secp256k1 key, combined in the enclave (issue 16; `../contract.ts`, "Key
 * shares"). Not threshold signing: see README.md. Imported by the enclave program, the co-signer and the
 * customer's recovery tool; it imports nothing from `lambdas/`.
 */
export { splitKey } from './split-key';
export type { SplitKey } from './split-key';
export { combineShares, zeroise } from './combine-shares';
export {
  HPKE_SHARE_FORMAT,
  generateRecoveryKeyPair,
  openShare,
  parseRecoveryPublicKey,
  sealShare,
  shareContextAad,
} from './hpke-share';
export { addressOfSecretKey, SECRET_KEY_LENGTH, SHARE_LENGTH } from './address-of-secret-key';
export { decodeBase64url, encodeBase64url } from './base64url';
export { ShareError, SHARE_ERROR_CODES, isShareError } from './share-error';
export type { ShareErrorCode } from './share-error';
export type { HpkeSealed, RecoveryPublicKey, ShareContext, ShareIndex } from '../contract';
