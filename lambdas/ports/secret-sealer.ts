/**
 * Encrypts small secrets (task tokens, link secrets) for storage. The context is bound to the
 * ciphertext (KMS encryption context, AES-GCM associated data): a ciphertext moved to another record
 * does not open there.
 */
export interface SecretSealer {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  open(sealed: string, context: Readonly<Record<string, string>>): Promise<string>;
}
