import type { CoSignerShare } from '../../../enclave-host/contract';

/** Whether two registrations are of the same share: format, ciphertext and every context field (a re-registration of it is idempotent). */
export function sameShare(a: CoSignerShare, b: CoSignerShare): boolean {
  const keys = ['deployment', 'walletId', 'address', 'epoch', 'share'] as const;
  return (
    a.format === b.format &&
    a.ciphertextBlob === b.ciphertextBlob &&
    keys.every((key) => a.context[key] === b.context[key])
  );
}
