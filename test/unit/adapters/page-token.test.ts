import { PageTokens } from '../../../lambdas/adapters/dynamodb/page-token';

const KEY = Buffer.alloc(32, 7);
const LISTING = 'transfers:byWallet:w-1';
const ATTRIBUTES = ['pk', 'walletId', 'createdKey'];
const LAST_KEY = { pk: 'TX#tx-1', walletId: 'w-1', createdKey: '2026-01-01T00:00:00.000Z#tx-1' };

const tokens = new PageTokens(KEY);
const issued = tokens.encode(LISTING, LAST_KEY);

/** The error a refused token raises, or a failure when it was accepted. */
function refusal(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    return error;
  }
  throw new Error('the token was accepted');
}

const refused = expect.objectContaining({
  name: 'ValidationError',
  code: 'REQUEST.INVALID_FIELD',
  details: expect.objectContaining({ field: 'nextToken' }),
});

// The first character: the last one of base64url may carry bits that decoding drops.
const flipFirstChar = (text: string): string => `${text.startsWith('A') ? 'B' : 'A'}${text.slice(1)}`;

describe('PageTokens', () => {
  it('gives back the key it issued, for the same listing and filter', () => {
    expect(tokens.decode(LISTING, issued, ATTRIBUTES)).toEqual(LAST_KEY);
    expect(tokens.decode(LISTING, undefined, ATTRIBUTES)).toBeUndefined();
  });

  it('accepts a token of another instance with the same key', () => {
    expect(new PageTokens(Buffer.from(KEY)).decode(LISTING, issued, ATTRIBUTES)).toEqual(LAST_KEY);
  });

  it('refuses a forged token: the right attribute names, another partition, no valid MAC', () => {
    const json = Buffer.from(JSON.stringify({ ...LAST_KEY, pk: 'WALLET#w-2' }));
    const mac = Buffer.from(issued, 'base64url').subarray(0, 32);
    for (const forged of [
      Buffer.concat([mac, json]), // the MAC of another key
      Buffer.concat([Buffer.alloc(32), json]),
      json, // the unauthenticated format of before: bare base64url JSON
    ])
      expect(refusal(() => tokens.decode(LISTING, forged.toString('base64url'), ATTRIBUTES))).toEqual(refused);
  });

  it('refuses an altered token: its MAC or its key changed', () => {
    const bytes = Buffer.from(issued, 'base64url');
    const alter = (index: number): string => {
      const copy = Buffer.from(bytes);
      copy[index] = copy[index]! ^ 1;
      return copy.toString('base64url');
    };
    for (const index of [0, 31, 32, bytes.length - 2])
      expect(refusal(() => tokens.decode(LISTING, alter(index), ATTRIBUTES))).toEqual(refused);
    expect(refusal(() => tokens.decode(LISTING, flipFirstChar(issued), ATTRIBUTES))).toEqual(refused);
  });

  it('refuses a token issued by another listing', () => {
    const ofWallets = tokens.encode('wallets:all', LAST_KEY);
    expect(refusal(() => tokens.decode(LISTING, ofWallets, ATTRIBUTES))).toEqual(refused);
    expect(refusal(() => tokens.decode('transfers:byStatus:QUEUED', issued, ATTRIBUTES))).toEqual(refused);
  });

  it("refuses a token of the same listing with another filter (another wallet's page)", () => {
    expect(refusal(() => tokens.decode('transfers:byWallet:w-2', issued, ATTRIBUTES))).toEqual(refused);
  });

  it('refuses a token made with another key', () => {
    const stranger = new PageTokens(Buffer.alloc(32, 8)).encode(LISTING, LAST_KEY);
    expect(refusal(() => tokens.decode(LISTING, stranger, ATTRIBUTES))).toEqual(refused);
    expect(refusal(() => PageTokens.ephemeral().decode(LISTING, issued, ATTRIBUTES))).toEqual(refused);
  });

  it.each([
    ['truncated (last characters)', issued.slice(0, -2)],
    ['truncated (first character)', issued.slice(1)],
    ['MAC-only', issued.slice(0, 43)],
    ['shorter than a MAC', issued.slice(0, 20)],
    ['empty', ''],
    ['not base64url', `${issued}.`],
    ['too long', `${issued}${'A'.repeat(2_048)}`],
  ])('refuses a %s token', (_label, token) => {
    expect(refusal(() => tokens.decode(LISTING, token, ATTRIBUTES))).toEqual(refused);
  });

  it('refuses an authentic token whose key no longer fits the index', () => {
    expect(refusal(() => tokens.decode(LISTING, issued, ['pk', 'sk']))).toEqual(refused);
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new PageTokens(Buffer.alloc(31))).toThrow(/32 bytes/);
  });
});
