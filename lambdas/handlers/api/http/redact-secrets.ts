// Field names whose values are credentials wherever they appear in a log item.
const SECRET_FIELD =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|token|access_?token|id_?token|refresh_?token|t|secret|password|passphrase|private_?key|link_?secret|task_?token|share)$/i;
const BEARER_CREDENTIAL = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * A Powertools Logger `jsonReplacerFn`: the last line of defence for invariant 8. Values of credential
 * fields, `Bearer …` credentials and JWT-shaped strings anywhere in a log item (messages, error
 * messages and stacks included) are replaced before the line is written.
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && value !== undefined && value !== null && SECRET_FIELD.test(key)) return '[REDACTED]';
  if (typeof value === 'string')
    return value.replace(BEARER_CREDENTIAL, 'Bearer [REDACTED]').replace(JWT_LIKE, '[REDACTED JWT]');
  return value;
}
