import { encodeFunctionData, erc20Abi, parseAbi, type Hex } from 'viem';
import { ValidationError, type ErrorCode } from '../../../lambdas/domain/errors';
import { buildIntent, ERC20_ABI, type TransferRequestFields } from '../../../lambdas/domain/intents';
import { MAX_UINT256 } from '../../../lambdas/domain/money';
import { parseTransferRequest } from '../../../lambdas/domain/transfer-request';

const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const SPENDER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const erc20 = (functionName: 'transfer' | 'approve' | 'increaseAllowance', to: Hex, amount: bigint): Hex =>
  encodeFunctionData({ abi: ERC20_ABI, functionName, args: [to, amount] });

function codeOf(build: () => unknown): ErrorCode {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).code;
  }
  throw new Error('expected a ValidationError');
}

describe('buildIntent', () => {
  it('turns a native request into a native transfer', () => {
    const intent = buildIntent({ to: ALICE.toLowerCase(), asset: 'native', amount: '1000' }, WALLET);
    expect(intent).toEqual({
      kind: 'transfer',
      method: 'native',
      call: { to: ALICE, value: 1000n, data: '0x' },
      asset: 'native',
      amount: 1000n,
      counterparty: ALICE,
      outflow: 1000n,
    });
  });

  it('builds the ERC-20 transfer calldata itself for a token request', () => {
    const intent = buildIntent({ to: ALICE, asset: TOKEN, amount: '25' }, WALLET);
    expect(intent.kind).toBe('transfer');
    expect(intent.call).toEqual({
      to: TOKEN,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [ALICE, 25n] }),
    });
    expect(intent).toMatchObject({ asset: TOKEN, counterparty: ALICE, amount: 25n, outflow: 25n });
  });

  it('judges an ERC-20 transfer hidden in data by its real recipient and amount', () => {
    const intent = buildIntent({ to: TOKEN, asset: 'native', amount: '0', data: erc20('transfer', ALICE, 7n) }, WALLET);
    expect(intent).toMatchObject({
      kind: 'transfer',
      method: 'erc20.transfer',
      asset: TOKEN,
      counterparty: ALICE,
      amount: 7n,
      outflow: 7n,
    });
  });

  it.each(['approve', 'increaseAllowance'] as const)(
    'judges a hidden %s by its real spender and allowance, with no outflow',
    (method) => {
      const intent = buildIntent(
        { to: TOKEN, asset: 'native', amount: '0', data: erc20(method, SPENDER, MAX_UINT256) },
        WALLET,
      );
      expect(intent).toMatchObject({
        kind: 'approve',
        method: `erc20.${method}`,
        asset: TOKEN,
        counterparty: SPENDER,
        amount: MAX_UINT256,
        outflow: 0n,
      });
    },
  );

  it('judges transferFrom by its recipient; it is an outflow only when it moves the wallet’s own tokens', () => {
    const data = (from: Hex) =>
      encodeFunctionData({ abi: ERC20_ABI, functionName: 'transferFrom', args: [from, ALICE, 9n] });
    expect(buildIntent({ to: TOKEN, asset: 'native', amount: '0', data: data(WALLET) }, WALLET)).toMatchObject({
      kind: 'transferFrom',
      counterparty: ALICE,
      amount: 9n,
      outflow: 9n,
      from: WALLET,
    });
    expect(buildIntent({ to: TOKEN, asset: 'native', amount: '0', data: data(SPENDER) }, WALLET)).toMatchObject({
      kind: 'transferFrom',
      outflow: 0n,
      from: SPENDER,
    });
  });

  it('treats any other selector as a contract call on the target, carrying the native value', () => {
    const data = encodeFunctionData({
      abi: parseAbi(['function deposit(uint256 amount, address receiver)']),
      functionName: 'deposit',
      args: [5n, WALLET],
    });
    const intent = buildIntent({ to: SPENDER, asset: 'native', amount: '3', data }, WALLET);
    expect(intent).toMatchObject({
      kind: 'contract-call',
      target: SPENDER,
      selector: data.slice(0, 10),
      asset: 'native',
      amount: 3n,
      counterparty: SPENDER,
      outflow: 3n,
    });
  });

  it('takes "" and "0x" as no data', () => {
    expect(buildIntent({ to: ALICE, asset: 'native', amount: '1', data: '0x' }, WALLET).kind).toBe('transfer');
    expect(buildIntent({ to: ALICE, asset: 'native', amount: '1', data: '' }, WALLET).kind).toBe('transfer');
  });

  const dirtyAddressWord =
    `0xa9059cbb${'ff'.repeat(12)}${ALICE.slice(2).toLowerCase()}${7n.toString(16).padStart(64, '0')}` as Hex;

  it.each<[string, TransferRequestFields, ErrorCode]>([
    ['a zero amount', { to: ALICE, asset: 'native', amount: '0' }, 'MONEY.NOT_POSITIVE'],
    ['a numeric amount', { to: ALICE, asset: 'native', amount: 5 }, 'MONEY.INVALID_TYPE'],
    [
      'the zero address',
      { to: '0x0000000000000000000000000000000000000000', asset: 'native', amount: '1' },
      'ADDRESS.ZERO',
    ],
    ['a missing recipient', { to: undefined, asset: 'native', amount: '1' }, 'ADDRESS.INVALID_TYPE'],
    ['an unknown asset symbol', { to: ALICE, asset: 'USDC', amount: '1' }, 'ASSET.INVALID'],
    ['odd-length data', { to: TOKEN, asset: 'native', amount: '0', data: '0xabc' }, 'INTENT.INVALID_DATA'],
    ['non-hex data', { to: TOKEN, asset: 'native', amount: '0', data: '0xzz' }, 'INTENT.INVALID_DATA'],
    ['data as a number', { to: TOKEN, asset: 'native', amount: '0', data: 12 }, 'INTENT.INVALID_DATA'],
    [
      'data shorter than a selector',
      { to: TOKEN, asset: 'native', amount: '0', data: '0xabcd' },
      'INTENT.MALFORMED_CALL',
    ],
    [
      'data with a token asset',
      { to: TOKEN, asset: TOKEN, amount: '0', data: erc20('transfer', ALICE, 1n) },
      'INTENT.DATA_WITH_TOKEN_ASSET',
    ],
    [
      'native value on an ERC-20 call',
      { to: TOKEN, asset: 'native', amount: '1', data: erc20('approve', SPENDER, 1n) },
      'INTENT.VALUE_WITH_TOKEN_CALL',
    ],
    [
      'truncated ERC-20 calldata',
      { to: TOKEN, asset: 'native', amount: '0', data: erc20('transfer', ALICE, 1n).slice(0, 74) as Hex },
      'INTENT.MALFORMED_CALL',
    ],
    [
      'trailing bytes after ERC-20 calldata',
      { to: TOKEN, asset: 'native', amount: '0', data: `${erc20('transfer', ALICE, 1n)}00` as Hex },
      'INTENT.MALFORMED_CALL',
    ],
    [
      'dirty high bits in the recipient word',
      { to: TOKEN, asset: 'native', amount: '0', data: dirtyAddressWord },
      'INTENT.MALFORMED_CALL',
    ],
    [
      'an approve to the zero address',
      {
        to: TOKEN,
        asset: 'native',
        amount: '0',
        data: erc20('approve', '0x0000000000000000000000000000000000000000', 1n),
      },
      'ADDRESS.ZERO',
    ],
  ])('refuses %s', (_name, request, code) => {
    expect(codeOf(() => buildIntent(request, WALLET))).toBe(code);
  });
});

describe('parseTransferRequest', () => {
  it('keeps the fields and the note', () => {
    expect(parseTransferRequest({ walletId: 'w-1', to: ALICE, asset: 'native', amount: '1', note: 'rent' })).toEqual({
      walletId: 'w-1',
      to: ALICE,
      asset: 'native',
      amount: '1',
      data: undefined,
      note: 'rent',
    });
  });

  it.each<[string, unknown, ErrorCode, string]>([
    ['a non-object body', '[]', 'REQUEST.INVALID_BODY', 'body'],
    ['an array body', [], 'REQUEST.INVALID_BODY', 'body'],
    ['null', null, 'REQUEST.INVALID_BODY', 'body'],
    ['a missing wallet id', { to: ALICE, asset: 'native', amount: '1' }, 'REQUEST.MISSING_FIELD', 'walletId'],
    [
      'a numeric wallet id',
      { walletId: 7, to: ALICE, asset: 'native', amount: '1' },
      'REQUEST.INVALID_FIELD',
      'walletId',
    ],
    [
      'a wallet id with a slash',
      { walletId: 'a/b', to: ALICE, asset: 'native', amount: '1' },
      'REQUEST.INVALID_FIELD',
      'walletId',
    ],
    [
      'a note with a control character',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', note: 'a\u0007b' },
      'REQUEST.INVALID_FIELD',
      'note',
    ],
    [
      'a note too long',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', note: 'n'.repeat(257) },
      'REQUEST.INVALID_FIELD',
      'note',
    ],
    [
      'an EIP-7702 authorization list',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', authorizationList: [] },
      'REQUEST.UNKNOWN_FIELD',
      'authorizationList',
    ],
    [
      'a permit to sign',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', permit: { spender: SPENDER } },
      'REQUEST.UNKNOWN_FIELD',
      'permit',
    ],
    [
      'typed data to sign',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', typedData: {} },
      'REQUEST.UNKNOWN_FIELD',
      'typedData',
    ],
    [
      'a caller-chosen nonce',
      { walletId: 'w', to: ALICE, asset: 'native', amount: '1', nonce: 3 },
      'REQUEST.UNKNOWN_FIELD',
      'nonce',
    ],
  ])('refuses %s', (_name, body, code, field) => {
    try {
      parseTransferRequest(body);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe(code);
      expect((error as ValidationError).field).toBe(field);
    }
  });
});
