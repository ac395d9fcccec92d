import { relyingPartyOf } from '../../adapters/webauthn/webauthn';
import type { PasskeyCredential } from '../../domain/passkeys/passkey-credential';

/** What a decision page needs to ask a member's passkey to sign: the relying party, their passkeys, each decision's challenge. */
export interface PasskeyPrompt<C> {
  readonly rpId: string;
  readonly credentials: readonly { readonly credentialId: string; readonly transports?: readonly string[] }[];
  readonly challenges: C;
}

/**
 * The prompt for a member with enrolled passkeys (only their ids and transports: nothing else of a
 * credential leaves the store), or undefined for a member who has none. `challenges` is computed only
 * when there is something to sign with.
 */
export function passkeyPrompt<C>(
  credentials: readonly PasskeyCredential[],
  publicBaseUrl: string,
  challenges: () => C,
): PasskeyPrompt<C> | undefined {
  if (credentials.length === 0) return undefined;
  return {
    rpId: relyingPartyOf(publicBaseUrl).rpId,
    credentials: credentials.map(({ credentialId, transports }) => ({
      credentialId,
      ...(transports === undefined ? {} : { transports }),
    })),
    challenges: challenges(),
  };
}
