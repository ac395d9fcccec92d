/**
 * The structured logger the host writes to: the Powertools Logger in production (`main.ts`), a
 * recording one in tests. Only identifiers and outcomes go in the attributes (jobId, transferId,
 * walletId, messageId, outcome, error names and enclave codes): never a task token, a sealed key, a
 * proof's signature or credentials. The host never passes a message body or an AWS error's message,
 * which may quote the token.
 */
export interface HostLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
