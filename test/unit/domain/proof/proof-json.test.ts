import { ValidationError } from '../../../../lambdas/domain/errors';
import { proofFromJson, proofToJson } from '../../../../lambdas/domain/proof/proof-json';
import { sampleProof } from './proof-fixtures';

/** The sample proof's JSON with one part replaced (or removed, given undefined). */
type MutableJson = Record<string, unknown> & { transaction?: Record<string, unknown> };

function jsonWith(change: (json: MutableJson) => void): unknown {
  const json = JSON.parse(JSON.stringify(proofToJson(sampleProof())));
  change(json);
  return json;
}

function refusal(input: unknown): ValidationError {
  try {
    proofFromJson(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the proof to be refused');
}

describe('proofToJson / proofFromJson', () => {
  it('round-trip a proof through JSON text, bigints as decimal strings and validUntil as ISO 8601', () => {
    const proof = sampleProof();
    const json = proofToJson(proof);
    expect(json.transaction.value).toBe('1500000000000000000');
    expect(json.validUntil).toBe('2030-01-01T00:05:00.000Z');
    expect(proofFromJson(JSON.parse(JSON.stringify(json)))).toEqual(proof);
  });

  it('keeps uint256-sized amounts exact', () => {
    const max = (1n << 256n) - 1n;
    const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, value: max, maxFeePerGas: max } };
    expect(proofFromJson(JSON.parse(JSON.stringify(proofToJson(proof)))).transaction.value).toBe(max);
  });

  it.each<[string, (json: MutableJson) => void, string]>([
    ['an unknown top-level field', (j) => (j.signature = '0x00'), 'proof.signature'],
    ['an unknown transaction field', (j) => (j.transaction!.accessList = []), 'proof.transaction.accessList'],
    ['a missing transferId', (j) => delete j.transferId, 'proof.transferId'],
    ['a transferId that is not an id', (j) => (j.transferId = 'tr 1'), 'proof.transferId'],
    ['a missing transaction', (j) => delete j.transaction, 'proof.transaction'],
    ['a value given as a number', (j) => (j.transaction!.value = 1), 'proof.transaction.value'],
    ['a value with a leading zero', (j) => (j.transaction!.value = '01'), 'proof.transaction.value'],
    ['a negative gas limit', (j) => (j.transaction!.gasLimit = '-1'), 'proof.transaction.gasLimit'],
    ['a nonce given as a string', (j) => (j.transaction!.nonce = '7'), 'proof.transaction.nonce'],
    ['a fractional nonce', (j) => (j.transaction!.nonce = 7.5), 'proof.transaction.nonce'],
    ['chain 0', (j) => (j.transaction!.chainId = 0), 'proof.transaction.chainId'],
    [
      'a to address with a bad checksum',
      (j) => (j.transaction!.to = '0x52908400098527886E0F7030069857D2E4169Ee7'),
      'proof.transaction.to',
    ],
    ['calldata of half a byte', (j) => (j.transaction!.data = '0xabc'), 'proof.transaction.data'],
    ['approvalIds that are not an array', (j) => (j.approvalIds = 'ap-1'), 'proof.approvalIds'],
    ['an approval id that is not a string', (j) => (j.approvalIds = ['ap-1', 2]), 'proof.approvalIds[1]'],
    ['validUntil with milliseconds', (j) => (j.validUntil = '2030-01-01T00:05:00.123Z'), 'proof.validUntil'],
    ['validUntil in another time zone', (j) => (j.validUntil = '2030-01-01T01:05:00.000+01:00'), 'proof.validUntil'],
    ['validUntil as unix seconds', (j) => (j.validUntil = 1893456300), 'proof.validUntil'],
    ['validUntil on a day that does not exist', (j) => (j.validUntil = '2030-02-30T00:00:00.000Z'), 'proof.validUntil'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(refusal(jsonWith(change)).field).toBe(field);
  });

  it('refuses anything but an object', () => {
    for (const input of [null, [], 'proof', 1]) expect(refusal(input).field).toBe('proof');
  });
});
