import { readFileSync } from 'node:fs';
import { FENCED_KEY_SCHEMES, SIGNING_SCHEMES } from '../../../../lambdas/domain/lifecycle/signing-scheme';
import { KEY_SCHEMES } from '../../../../lambdas/domain/wallets/wallet';
import { TRANSACTION_ASL_PATH } from '../../../../local/workflow/transfer-workflow';

interface Choice {
  readonly Variable: string;
  readonly StringEquals: string;
  readonly Next: string;
}
const states = (
  JSON.parse(readFileSync(TRANSACTION_ASL_PATH, 'utf8')) as {
    States: Record<string, { Choices?: Choice[]; Default?: string; Parameters?: { MessageBody?: object } }>;
  }
).States;

describe('signing schemes (the workflow port a key scheme signs through)', () => {
  it('names a signer for every key scheme, and ChooseSigner routes every signer, on the signer alone', () => {
    const choices = states.ChooseSigner?.Choices ?? [];
    expect(choices.every((c) => c.Variable === '$.step.signer')).toBe(true);
    const routed = new Map(choices.map((c) => [c.StringEquals, c.Next]));
    for (const scheme of KEY_SCHEMES) expect(routed.has(SIGNING_SCHEMES[scheme].signer)).toBe(true);
    expect(routed.get('kms')).toBe('SignWithKms');
    expect(routed.get('signing-queue')).toBe('PrepareEnclaveSign');
    expect(states.ChooseSigner?.Default).toBe('SignerNotAvailable');
  });

  it('sends mpc and enclave wallets through the signing queue, fenced by the job ledger; kms is neither', () => {
    expect(SIGNING_SCHEMES.mpc).toEqual({ signer: 'signing-queue', fenced: true, queueScheme: 'mpc' });
    expect(SIGNING_SCHEMES.enclave).toEqual({ signer: 'signing-queue', fenced: true, queueScheme: 'enclave' });
    expect(SIGNING_SCHEMES.kms).toEqual({ signer: 'kms', fenced: false });
    expect([...FENCED_KEY_SCHEMES].sort()).toEqual(['enclave', 'mpc']);
  });

  it('every queue-signing scheme names the backend the host runs, and the Sign state carries it', () => {
    for (const scheme of KEY_SCHEMES) {
      const { signer, queueScheme } = SIGNING_SCHEMES[scheme];
      expect(queueScheme !== undefined).toBe(signer === 'signing-queue');
    }
    expect(states.SignWithEnclave?.Parameters?.MessageBody).toMatchObject({ 'scheme.$': '$.enclave.job.scheme' });
  });
});
