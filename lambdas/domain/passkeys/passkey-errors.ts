import { StrongroomError, type ErrorCode } from '../errors';

/** The passkey codes of the error catalogue (errors.ts, where each is described). */
export type PasskeyErrorCode = Extract<ErrorCode, `PASSKEY.${string}`>;

/** A passkey error under its own code, `details.passkeyCode` naming it too (for clients that read details). */
export function passkeyError(
  code: PasskeyErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): StrongroomError {
  return new StrongroomError(code, message, {
    details: { ...details, passkeyCode: code },
    ...(cause === undefined ? {} : { cause }),
  });
}
