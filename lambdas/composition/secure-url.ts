/**
 * A configured URL that the service calls or hands out: https, or plain http on a loopback address only
 * (the local runtime and tests). Throws `<message prefix><name> is not a URL` / `… must use https`.
 */
export function parseSecureUrl(text: string, name: string, messagePrefix = ''): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${messagePrefix}${name} is not a URL`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(`${messagePrefix}${name} must use https`);
  return url;
}
