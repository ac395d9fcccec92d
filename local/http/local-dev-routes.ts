import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRole, type Role } from '../../lambdas/domain/principal';
import type { LocalStack } from '../local-stack';
import { ClientGone, readLimitedBody } from './read-limited-body';

const MAX_BODY = 4_096;
const SUB = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-?8"?\s*)?$/i;

/**
 * Development-only routes of the local runtime, beside the API: `POST /local/tokens` mints a token
 * for any subject and roles (there is no identity provider on one machine), `GET /local/outbox` lists
 * the messages approvers would get through SNS, `GET /local/info` tells a client the chain RPC URL.
 * The server listens on 127.0.0.1 only and refuses another Host (DNS rebinding); a content type other
 * than JSON is refused (415), so a cross-site form (text/plain, form-urlencoded) never mints a token,
 * and a body past 4 KiB is not read (413). None of this exists in the cloud.
 */
export function localDevRoutes(
  stack: Pick<LocalStack, 'mint' | 'outbox' | 'anvil' | 'token'>,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = `${request.method ?? ''} ${path ?? ''}`;
    if (route !== 'GET /local/outbox' && route !== 'GET /local/info' && route !== 'POST /local/tokens') return false;
    // Decided before anything is read, so a client waiting for 100 Continue hears the refusal instead.
    const contentType = request.headers['content-type'];
    if (contentType === undefined ? route === 'POST /local/tokens' : !JSON_MEDIA_TYPE.test(contentType)) {
      send(response, 415, {
        error: {
          code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
          message: 'content-type: must be application/json (UTF-8)',
          details: { expected: 'application/json' },
        },
      });
      return true;
    }
    if (route === 'GET /local/outbox') send(response, 200, { items: stack.outbox.list() });
    else if (route === 'GET /local/info')
      send(response, 200, { rpcUrl: stack.anvil.rpcUrl, chainId: stack.anvil.chainId, token: stack.token });
    else if (Number(request.headers['content-length'] ?? 0) > MAX_BODY) tooLarge(response);
    else void mintFromRequest(stack, request, response);
    return true;
  };
}

async function mintFromRequest(
  stack: Pick<LocalStack, 'mint'>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const body = await readLimitedBody(request, MAX_BODY);
    if (body === undefined) return tooLarge(response);
    const parsed = JSON.parse(body.toString('utf8')) as {
      sub?: unknown;
      roles?: unknown;
      expiresInSeconds?: unknown;
      wallets?: unknown;
    };
    if (typeof parsed.sub !== 'string' || !SUB.test(parsed.sub))
      throw new Error('sub: must be 1-64 letters, digits, "_", ".", "@" or "-"');
    const roles = Array.isArray(parsed.roles) ? parsed.roles : [];
    if (!roles.every(isRole)) throw new Error('roles: must be some of admin, operator, approver, auditor');
    const expiresInSeconds =
      typeof parsed.expiresInSeconds === 'number' && parsed.expiresInSeconds > 0 && parsed.expiresInSeconds <= 86_400
        ? parsed.expiresInSeconds
        : 3_600;
    const wallets = parsed.wallets;
    if (wallets !== undefined && !(Array.isArray(wallets) && wallets.every((w) => typeof w === 'string')))
      throw new Error('wallets: must be an array of wallet ids');
    send(response, 201, {
      token: await stack.mint(parsed.sub, roles as Role[], expiresInSeconds, wallets as string[] | undefined),
      sub: parsed.sub,
      roles,
      ...(wallets === undefined ? {} : { wallets }),
      expiresInSeconds,
    });
  } catch (error) {
    if (error instanceof ClientGone) return;
    send(response, 400, { error: { code: 'REQUEST.INVALID_BODY', message: (error as Error).message, details: {} } });
  }
}

function tooLarge(response: ServerResponse): void {
  send(
    response,
    413,
    {
      error: {
        code: 'REQUEST.BODY_TOO_LARGE',
        message: `body: is larger than ${MAX_BODY} bytes`,
        details: { limitBytes: MAX_BODY },
      },
    },
    true,
  );
}

/** `close`: end the connection after the answer instead of draining a body nobody reads. */
function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  if (response.headersSent) return;
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(JSON.stringify(body));
}
