import {
  canonicalJson,
  chainRecord,
  digestOf,
  GENESIS_HASH,
  verifyTrace,
  type AuditEntry,
  type AuditRecord,
} from '../../../../lambdas/domain/audit/audit-chain';

const entry = (n: number, traceId = 'trace-1'): AuditEntry => ({
  traceId,
  actor: 'policy-engine',
  action: `step-${n}`,
  inputsDigest: digestOf({ n }),
  result: `result ${n}`,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
});

function trail(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let n = 1; n <= length; n++) records.push(chainRecord(records[records.length - 1], entry(n)));
  return records;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and encodes bigints and dates as strings', () => {
    expect(canonicalJson({ b: 1, a: { d: [2n, new Date('2026-01-01T00:00:00Z')], c: 'x' }, e: undefined })).toBe(
      '{"a":{"c":"x","d":["2","2026-01-01T00:00:00.000Z"]},"b":1}',
    );
  });

  it('gives the same digest whatever the key order', () => {
    expect(digestOf({ a: 1, b: 2 })).toBe(digestOf({ b: 2, a: 1 }));
    expect(digestOf({ a: 1, b: 2 })).not.toBe(digestOf({ a: 1, b: 3 }));
  });
});

describe('audit chain', () => {
  it('links each record to the previous hash, starting from the genesis hash', () => {
    const records = trail(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(verifyTrace(records)).toEqual({ verified: true, recordCount: 3 });
  });

  it.each([
    ['result', { result: 'forged' }],
    ['actor', { actor: 'mallory' }],
    ['time', { at: new Date(0) }],
    ['inputs digest', { inputsDigest: digestOf('other inputs') }],
  ])('reports the first record whose %s was changed', (_field, change) => {
    const records = trail(4);
    records[1] = { ...records[1]!, ...change };
    expect(verifyTrace(records)).toMatchObject({
      verified: false,
      firstBroken: { seq: 2, reason: expect.stringMatching(/do not match its hash/) },
    });
  });

  it('catches a record rewritten with a fresh hash by its broken link', () => {
    const records = trail(3);
    const forged = chainRecord(records[0], { ...entry(2), result: 'forged' });
    records[1] = forged;
    expect(verifyTrace(records)).toMatchObject({ verified: false, firstBroken: { seq: 3 } });
  });

  it('catches a removed record in the middle', () => {
    const records = trail(4);
    records.splice(1, 1);
    expect(verifyTrace(records)).toMatchObject({
      verified: false,
      firstBroken: { seq: 2, reason: expect.stringMatching(/missing/) },
    });
  });

  it('catches a truncated tail only with a checkpoint head', () => {
    const records = trail(4);
    const head = { traceId: 'trace-1', seq: 4, hash: records[3]!.hash };
    const truncated = records.slice(0, 3);
    expect(verifyTrace(truncated).verified).toBe(true);
    expect(verifyTrace(truncated, head)).toMatchObject({
      verified: false,
      firstBroken: { seq: 4, reason: expect.stringMatching(/removed/) },
    });
    expect(verifyTrace(records, head).verified).toBe(true);
    expect(verifyTrace(records, { ...head, hash: records[2]!.hash })).toMatchObject({
      verified: false,
      firstBroken: { seq: 4 },
    });
  });

  it('refuses to chain a record to another trace', () => {
    expect(() => chainRecord(trail(1)[0], entry(2, 'trace-2'))).toThrow(RangeError);
  });

  it('chains to a known head, its seq and hash alone, as to the whole record', () => {
    const [first, second] = trail(2);
    expect(chainRecord({ seq: first!.seq, hash: first!.hash }, entry(2))).toEqual(second);
    expect(verifyTrace([first!, chainRecord({ seq: 1, hash: first!.hash }, entry(2))]).verified).toBe(true);
  });

  it('refuses a head that cannot be a record’s', () => {
    const hash = trail(1)[0]!.hash;
    expect(() => chainRecord({ seq: 0, hash }, entry(1))).toThrow(RangeError);
    expect(() => chainRecord({ seq: 1.5, hash }, entry(2))).toThrow(RangeError);
    expect(() => chainRecord({ seq: 1, hash: '0x1234' }, entry(2))).toThrow(RangeError);
  });
});
