import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRole, type Role } from '../../lambdas/domain/principal';
import type { LocalStack } from '../local-stack';

const MAX_BODY = 4_096;
const SUB = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/**
 * Development-only routes of the local runtime, beside the API: `POST /local/tokens` mints a token
 * for any subject and roles (there is no identity provider on one machine), `GET /local/outbox` lists
 * the messages approvers would get through SNS, `GET /local/info` tells a client the chain RPC URL.
 * The server listens on 127.0.0.1 only; none of this exists in the cloud.
 */
export function localDevRoutes(
  stack: Pick<LocalStack, 'mint' | 'outbox' | 'anvil' | 'token'>,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/local/outbox' && request.method === 'GET') {
      send(response, 200, { items: stack.outbox.list() });
      return true;
    }
    if (path === '/local/info' && request.method === 'GET') {
      send(response, 200, { rpcUrl: stack.anvil.rpcUrl, chainId: stack.anvil.chainId, token: stack.token });
      return true;
    }
    if (path === '/local/tokens' && request.method === 'POST') {
      void mintFromRequest(stack, request, response);
      return true;
    }
    return false;
  };
}

async function mintFromRequest(
  stack: Pick<LocalStack, 'mint'>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const body = await readBody(request);
    const parsed = JSON.parse(body) as { sub?: unknown; roles?: unknown; expiresInSeconds?: unknown };
    if (typeof parsed.sub !== 'string' || !SUB.test(parsed.sub))
      throw new Error('sub: must be 1-64 letters, digits, "_", ".", "@" or "-"');
    const roles = Array.isArray(parsed.roles) ? parsed.roles : [];
    if (!roles.every(isRole)) throw new Error('roles: must be some of admin, operator, approver, auditor');
    const expiresInSeconds =
      typeof parsed.expiresInSeconds === 'number' && parsed.expiresInSeconds > 0 && parsed.expiresInSeconds <= 86_400
        ? parsed.expiresInSeconds
        : 3_600;
    send(response, 201, {
      token: await stack.mint(parsed.sub, roles as Role[], expiresInSeconds),
      sub: parsed.sub,
      roles,
      expiresInSeconds,
    });
  } catch (error) {
    send(response, 400, { error: { code: 'REQUEST.INVALID_BODY', message: (error as Error).message, details: {} } });
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) reject(new Error(`the body is larger than ${MAX_BODY} bytes`));
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
