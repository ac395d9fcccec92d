import type { KeyScheme } from '../wallets/wallet';

/**
 * Where the workflow gets a signature for a wallet (ARCHITECTURE.md §4.6; docs/signing-schemes.md):
 * - `kms`: the SignKms function signs with the wallet's KMS key, in the step;
 * - `signing-queue`: PrepareEnclaveSign records the request and the Sign state puts a `SigningJob`
 *   (enclave-host/contract.ts) on the signing queue; an enclave host answers with the signed
 *   transaction or a refusal, fenced by the job ledger.
 */
export type Signer = 'kms' | 'signing-queue';

/**
 * How a key scheme signs: the one place the workflow learns about schemes. The state machine chooses
 * on `signer` alone, so a new scheme that signs through the queue (a true two-party threshold-ECDSA
 * engine, say, in place of the shares combined in the enclave) is a row here and a backend in the
 * enclave host (`SigningJob.scheme`), and no change to the workflow.
 */
export interface SigningScheme {
  readonly signer: Signer;
  /**
   * Its jobs go through the job ledger, so an attempt can be proved never signed (voided or refused):
   * compensation may then fill the nonce and release the funds without waiting for the chain.
   */
  readonly fenced: boolean;
  /** The job's `scheme` on the signing queue, for schemes that sign there. */
  readonly queueScheme?: 'enclave' | 'mpc';
}

export const SIGNING_SCHEMES: { readonly [S in KeyScheme]: SigningScheme } = {
  kms: { signer: 'kms', fenced: false },
  enclave: { signer: 'signing-queue', fenced: true, queueScheme: 'enclave' },
  // 2-of-3 key shares combined in the enclave for one signature, after the co-signer released share 2
  // (issue 16): not threshold signing, but the same port a threshold engine would use.
  mpc: { signer: 'signing-queue', fenced: true, queueScheme: 'mpc' },
};

/** The schemes whose jobs go through the job ledger (see `SigningScheme.fenced`). */
export const FENCED_KEY_SCHEMES: ReadonlySet<string> = new Set(
  Object.entries(SIGNING_SCHEMES)
    .filter(([, scheme]) => scheme.fenced)
    .map(([name]) => name),
);
