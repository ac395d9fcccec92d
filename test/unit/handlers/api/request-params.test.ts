import { Logger } from '@aws-lambda-powertools/logger';
import { ValidationError } from '../../../../lambdas/domain/errors';
import type { ApiRequest } from '../../../../lambdas/handlers/api/http/api-request';
import { pageOf, pathId, queryOf } from '../../../../lambdas/handlers/api/http/request-params';

const request = (pathParameters: Record<string, string>, query: Record<string, string> = {}): ApiRequest => ({
  method: 'GET',
  path: '/v1/x/{id}',
  pathParameters,
  query,
  headers: {},
  body: undefined,
  traceId: 'trace-1',
  requestId: 'request-1',
  logger: new Logger({ logLevel: 'SILENT' }),
});

const fieldOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return `${error.code} ${error.field}`;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('request parameters', () => {
  it('pathId takes our ids and names the parameter it refuses', () => {
    expect(pathId(request({ id: 'w-0123456789abcdef' }))).toBe('w-0123456789abcdef');
    expect(pathId(request({ traceId: 'wallet.w-1' }), 'traceId')).toBe('wallet.w-1');
    expect(fieldOf(() => pathId(request({ id: '../etc' })))).toBe('REQUEST.INVALID_FIELD id');
    expect(fieldOf(() => pathId(request({ id: 'x'.repeat(65) })))).toBe('REQUEST.INVALID_FIELD id');
    expect(fieldOf(() => pathId(request({}), 'traceId'))).toBe('REQUEST.INVALID_FIELD traceId');
  });

  it('queryOf refuses a parameter the route does not take', () => {
    expect(queryOf(request({}, { walletId: 'w-1', limit: '5' }), ['walletId', 'limit'])).toEqual({
      walletId: 'w-1',
      limit: '5',
    });
    expect(fieldOf(() => queryOf(request({}, { wallet: 'w-1' }), ['walletId']))).toBe('REQUEST.UNKNOWN_FIELD wallet');
  });

  it('pageOf takes a limit of 1 to 100 in plain digits and a token of base64url characters', () => {
    expect(pageOf({})).toEqual({});
    expect(pageOf({ limit: '1', nextToken: 'eyJwayI6IlgifQ' })).toEqual({ limit: 1, nextToken: 'eyJwayI6IlgifQ' });
    expect(pageOf({ limit: '100' })).toEqual({ limit: 100 });
    for (const limit of ['0', '101', '-1', '1.5', '1e2', ' 5', '05', '', 'ten'])
      expect(fieldOf(() => pageOf({ limit }))).toBe('REQUEST.INVALID_FIELD limit');
    expect(fieldOf(() => pageOf({ nextToken: 'a+b/c=' }))).toBe('REQUEST.INVALID_FIELD nextToken');
    expect(fieldOf(() => pageOf({ nextToken: 'a'.repeat(2049) }))).toBe('REQUEST.INVALID_FIELD nextToken');
  });
});
