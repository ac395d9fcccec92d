import { locateJsonSyntaxError } from '../../../../lambdas/handlers/api/http/locate-json-syntax-error';
import { parseJsonBody } from '../../../../lambdas/handlers/api/http/parse-json-body';

const json = { 'Content-Type': 'application/json' };
const parse = (body: string | null, headers: Record<string, string> = json, options = {}, isBase64Encoded = false) =>
  parseJsonBody({ body, headers, isBase64Encoded }, options);

function refusal(fn: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('accepted');
}

describe('parseJsonBody', () => {
  it('parses a JSON body', () => {
    expect(parse('{"walletId":"w1","amount":"10"}')).toEqual({ walletId: 'w1', amount: '10' });
  });

  it('gives undefined for no body, whatever the content type', () => {
    expect(parse(null, {})).toBeUndefined();
    expect(parse('', { 'content-type': 'text/plain' })).toBeUndefined();
  });

  it('decodes a base64 body', () => {
    expect(parse(Buffer.from('{"a":"é"}').toString('base64'), json, {}, true)).toEqual({ a: 'é' });
  });

  it.each([
    ['application/json; charset=utf-8'],
    ['Application/JSON;charset="UTF-8"'],
    ['application/merge-patch+json'],
  ])('accepts content type %s', (type) => {
    expect(parse('{}', { 'content-type': type })).toEqual({});
  });

  it.each([
    ['missing', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['JSON in another charset', { 'content-type': 'application/json; charset=utf-16' }],
    ['a lookalike', { 'content-type': 'application/jsonp' }],
  ])('refuses a body whose content type is %s (415)', (_label, headers) => {
    expect(refusal(() => parse('{}', headers))).toMatchObject({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
  });

  it('refuses a body over the limit (413), counting bytes not characters', () => {
    const body = JSON.stringify({ note: 'x'.repeat(64 * 1024) });
    expect(refusal(() => parse(body))).toMatchObject({
      code: 'REQUEST.BODY_TOO_LARGE',
      details: { limitBytes: 65536 },
    });
    expect(refusal(() => parse(JSON.stringify({ note: 'é'.repeat(60) }), json, { limitBytes: 100 }))).toMatchObject({
      code: 'REQUEST.BODY_TOO_LARGE',
    });
    expect(parse(JSON.stringify({ note: 'e'.repeat(60) }), json, { limitBytes: 100 })).toBeDefined();
  });

  it('refuses a base64 body over the limit', () => {
    const body = Buffer.from(JSON.stringify({ note: 'x'.repeat(200) })).toString('base64');
    expect(refusal(() => parse(body, json, { limitBytes: 100 }, true))).toMatchObject({
      code: 'REQUEST.BODY_TOO_LARGE',
    });
  });

  it('refuses a base64 body that is not UTF-8', () => {
    expect(refusal(() => parse(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), json, {}, true))).toMatchObject({
      code: 'REQUEST.MALFORMED_JSON',
    });
  });

  it.each([
    ['{"a":}', 5],
    ['{"apiKey":"sk_live_123" x}', 24],
    ['{"a":1,}', 7],
    ['[1,2', 4],
    ['xyz', 0],
    ['{"a":1} 2', 8],
    ['"unterminated', 13],
    ['{"a":"\u0001"}', 6],
    ['   ', 3],
  ])('refuses malformed JSON %j, naming position %i and never quoting the body', (body, position) => {
    const e = refusal(() => parse(body));
    expect(e).toMatchObject({ code: 'REQUEST.MALFORMED_JSON', details: { position } });
    expect(e.message).toContain(`position ${position}`);
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toContain('sk_live_123');
  });

  it('gives line and column for multi-line bodies', () => {
    expect(refusal(() => parse('{\n  "a": 1,\n  "b": ?\n}'))).toMatchObject({
      details: { position: 19, line: 3, column: 8 },
    });
  });

  it('refuses nesting deeper than the limit before recursing into it', () => {
    const deep = '['.repeat(20000) + ']'.repeat(20000);
    expect(refusal(() => parse(deep))).toMatchObject({ code: 'REQUEST.MALFORMED_JSON', details: { maxDepth: 32 } });
    expect(parse('[[["ok"]]]', json, { maxDepth: 3 })).toEqual([[['ok']]]);
    expect(parse('{"a":"[[[[[[["}', json, { maxDepth: 1 })).toEqual({ a: '[[[[[[[' });
  });

  it('drops __proto__, constructor and prototype keys at every depth', () => {
    const parsed = parse(
      '{"__proto__":{"isAdmin":true},"a":{"constructor":{"prototype":{"polluted":1}},"b":1},"list":[{"__proto__":{"x":1}}]}',
    ) as Record<string, unknown>;
    expect(parsed).toEqual({ a: { b: 1 }, list: [{}] });
    expect(Object.keys(parsed)).toEqual(['a', 'list']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    const merged: Record<string, unknown> = { ...parsed };
    expect(merged.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the last of duplicate keys', () => {
    expect(parse('{"a":1,"a":2}')).toEqual({ a: 2 });
  });
});

describe('locateJsonSyntaxError', () => {
  it.each(['{}', '[]', '0', '-1.5e+3', '"a\\u00e9\\n"', ' {"a":[true,false,null,{"b":"c"}]} ', '"\u2028"'])(
    'finds nothing wrong in %j',
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(locateJsonSyntaxError(text)).toBeUndefined();
    },
  );

  it.each([
    ['', 0],
    ['tru', 3],
    ['01', 1],
    ['{"a" 1}', 5],
    ['"\\x"', 2],
    ['"\\u12G4"', 5],
    ['[1,]', 3],
    ['{,}', 1],
  ])('locates the error in %j at %i', (text, position) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(locateJsonSyntaxError(text)).toBe(position);
  });
});
