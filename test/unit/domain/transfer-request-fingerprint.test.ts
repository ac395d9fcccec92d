import { parseTransferRequest } from '../../../lambdas/domain/transfer-request';
import { transferRequestFingerprint } from '../../../lambdas/domain/transfer-request-fingerprint';

const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const fingerprintOf = (json: string) => transferRequestFingerprint(parseTransferRequest(JSON.parse(json)));
const base = `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":"1000","note":"payout"}`;

describe('transferRequestFingerprint', () => {
  it('is a SHA-256 digest, the same for the same body', () => {
    expect(fingerprintOf(base)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(fingerprintOf(base)).toBe(fingerprintOf(base));
  });

  it.each([
    ['members in another order', `{"note":"payout","amount":"1000","asset":"native","to":"${ALICE}","walletId":"w-1"}`],
    [
      'white space',
      `{ "walletId" : "w-1",\n "to": "${ALICE}", "asset": "native", "amount": "1000", "note": "payout" }`,
    ],
    [
      'escaped characters',
      `{"walletId":"w\\u002d1","to":"${ALICE}","asset":"nati\\u0076e","amount":"1000","note":"payout"}`,
    ],
  ])('is the same for the same JSON written with %s', (_what, json) => {
    expect(fingerprintOf(json)).toBe(fingerprintOf(base));
  });

  it.each([
    ['another amount', `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":"1001","note":"payout"}`],
    ['another wallet', `{"walletId":"w-2","to":"${ALICE}","asset":"native","amount":"1000","note":"payout"}`],
    ['another note', `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":"1000","note":"payout 2"}`],
    ['no note', `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":"1000"}`],
    [
      'the address in lower case',
      `{"walletId":"w-1","to":"${ALICE.toLowerCase()}","asset":"native","amount":"1000","note":"payout"}`,
    ],
    [
      'an explicit empty data',
      `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":"1000","note":"payout","data":"0x"}`,
    ],
    ['the amount as a number', `{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":1000,"note":"payout"}`],
  ])('differs for a body with %s', (_what, json) => {
    expect(fingerprintOf(json)).not.toBe(fingerprintOf(base));
  });

  it('treats number spellings of one JSON value alike (a field the parser passes on as sent)', () => {
    const as = (amount: string) =>
      fingerprintOf(`{"walletId":"w-1","to":"${ALICE}","asset":"native","amount":${amount}}`);
    expect(as('1e3')).toBe(as('1000'));
    expect(as('1000.0')).toBe(as('1000'));
    expect(as('1001')).not.toBe(as('1000'));
  });
});
