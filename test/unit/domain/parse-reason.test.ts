import { ValidationError } from '../../../lambdas/domain/errors';
import { parseReason } from '../../../lambdas/domain/parse-reason';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('parseReason', () => {
  it('takes a printable reason of 1 to 256 characters', () => {
    expect(parseReason({ reason: 'suspicious activity' }, { required: true })).toBe('suspicious activity');
    expect(parseReason({ reason: 'r'.repeat(256) }, { required: true })).toHaveLength(256);
  });

  it('requires it for freeze and unfreeze, body or field missing', () => {
    expect(refusal(() => parseReason(undefined, { required: true }))).toEqual({
      code: 'REQUEST.MISSING_FIELD',
      field: 'reason',
    });
    expect(refusal(() => parseReason({}, { required: true }))).toEqual({
      code: 'REQUEST.MISSING_FIELD',
      field: 'reason',
    });
  });

  it('leaves it optional for cancel, where the body may be absent', () => {
    expect(parseReason(undefined, { required: false })).toBeUndefined();
    expect(parseReason({}, { required: false })).toBeUndefined();
    expect(parseReason({ reason: 'wrong recipient' }, { required: false })).toBe('wrong recipient');
  });

  it.each([
    ['too long', { reason: 'r'.repeat(257) }, 'REQUEST.INVALID_FIELD', 'reason'],
    ['empty', { reason: '' }, 'REQUEST.INVALID_FIELD', 'reason'],
    ['not a string', { reason: 42 }, 'REQUEST.INVALID_FIELD', 'reason'],
    ['with a control character', { reason: 'ok\u0000' }, 'REQUEST.INVALID_FIELD', 'reason'],
    ['with an unknown field', { reason: 'x', force: true }, 'REQUEST.UNKNOWN_FIELD', 'force'],
    ['an array body', ['x'], 'REQUEST.INVALID_BODY', 'body'],
  ])('refuses a reason %s', (_name, body, code, field) => {
    expect(refusal(() => parseReason(body, { required: false }))).toEqual({ code, field });
    expect(refusal(() => parseReason(body, { required: true }))).toEqual({ code, field });
  });
});
