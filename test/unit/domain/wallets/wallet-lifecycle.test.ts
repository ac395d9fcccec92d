import fc from 'fast-check';
import { IllegalTransitionError, StrongroomError } from '../../../../lambdas/domain/errors';
import { parsePolicy, serializePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import type { Policy } from '../../../../lambdas/domain/policy/policy';
import type { Wallet, WalletStatus } from '../../../../lambdas/domain/wallets/wallet';
import type { WalletEvent, WalletEventData, WalletEventType } from '../../../../lambdas/domain/wallets/wallet-events';
import {
  applyWalletEvent,
  foldWalletEvents,
  isSpendable,
  policyWalletStatus,
} from '../../../../lambdas/domain/wallets/wallet-lifecycle';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as const;
const GROUPS = new Map([['treasury', { size: 3 }]]);
const HUGE = 10n ** 40n;

/** A policy version `version` whose amounts are beyond any float. */
function policyJson(version: number) {
  const policy = parsePolicy(
    {
      version,
      rules: [
        {
          id: 'small',
          match: { assets: ['native'], amount: { max: (HUGE + BigInt(version)).toString() } },
          action: { type: 'ALLOW' },
        },
        {
          id: 'large',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 2, approverGroup: 'treasury', timeoutSeconds: 3600 },
        },
      ],
      limits: {
        perAsset: { native: { daily: (HUGE * 2n).toString() } },
        approval: { quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 },
      },
    },
    { groups: GROUPS },
  );
  return { policy, json: serializePolicy(policy) };
}

const SUCCESSOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;

const SAMPLE: { [T in WalletEventType]: WalletEventData[T] } = {
  WALLET_CREATED: {
    name: 'Treasury hot wallet',
    chainId: 31337,
    keyScheme: 'kms',
    keyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
    address: ADDRESS,
  },
  POLICY_SET: { policy: policyJson(1).json, version: 1 },
  FROZEN: { reason: 'suspicious outflow' },
  UNFROZEN: { reason: 'reviewed' },
  LOCKED_DOWN: { reason: 'key compromise suspected' },
  KEY_ROTATED: { successorWalletId: 'w-2', successorAddress: SUCCESSOR, reason: 'scheduled rotation' },
  KEY_REVOKED: { reason: 'swept to its successor' },
};

type Step = WalletEventType | { [T in WalletEventType]: { type: T; data: WalletEventData[T] } }[WalletEventType];

const at = (seq: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seq));

function event(step: Step, seq: number, walletId = 'w-1'): WalletEvent {
  const type = typeof step === 'string' ? step : step.type;
  const data = typeof step === 'string' ? SAMPLE[type] : step.data;
  return { walletId, seq, type, at: at(seq), actor: `user-${seq}`, data } as WalletEvent;
}

/** Folds WALLET_CREATED followed by `steps`, seq 1..n. */
const wallet = (...steps: Step[]): Wallet =>
  foldWalletEvents(['WALLET_CREATED' as Step, ...steps].map((step, i) => event(step, i + 1)));

const next = (w: Wallet, step: Step): Wallet => applyWalletEvent(w, event(step, w.version + 1));

function refusal(w: Wallet, step: Step): StrongroomError {
  try {
    next(w, step);
  } catch (error) {
    expect(error).toBeInstanceOf(StrongroomError);
    return error as StrongroomError;
  }
  throw new Error('expected the event to be refused');
}

const policySet = (version: number, json = policyJson(version).json): Step => ({
  type: 'POLICY_SET',
  data: { policy: json, version },
});

describe('the wallet lifecycle', () => {
  it('creates an ACTIVE wallet at version 1 with no policy, its address checksummed', () => {
    const created = foldWalletEvents([
      event(
        {
          type: 'WALLET_CREATED',
          data: { ...SAMPLE.WALLET_CREATED, address: ADDRESS.toLowerCase() as typeof ADDRESS },
        },
        1,
      ),
    ]);
    expect(created).toEqual({
      id: 'w-1',
      name: 'Treasury hot wallet',
      chainId: 31337,
      keyScheme: 'kms',
      keyId: SAMPLE.WALLET_CREATED.keyId,
      address: ADDRESS,
      status: 'ACTIVE',
      createdAt: at(1),
      createdBy: 'user-1',
      updatedAt: at(1),
      version: 1,
    });
    expect(isSpendable(created)).toBe(true);
  });

  it('starts a stream only with WALLET_CREATED at seq 1, and only once', () => {
    expect(() => foldWalletEvents([event('FROZEN', 1)])).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
    expect(() => foldWalletEvents([event('WALLET_CREATED', 2)])).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
    expect(() => foldWalletEvents([])).toThrow(expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }));
    const again = refusal(wallet(), 'WALLET_CREATED');
    expect(again).toBeInstanceOf(IllegalTransitionError);
    expect(again.code).toBe('LIFECYCLE.ILLEGAL_TRANSITION');
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a zero chain id', { chainId: 0 }],
    ['a fractional chain id', { chainId: 1.5 }],
    ['an unknown key scheme', { keyScheme: 'paper' }],
    ['an empty key id', { keyId: '' }],
    ['a malformed address', { address: '0x1234' }],
  ])('refuses a WALLET_CREATED with %s', (_name, change) => {
    const created = { type: 'WALLET_CREATED', data: { ...SAMPLE.WALLET_CREATED, ...change } } as Step;
    expect(() => foldWalletEvents([event(created, 1)])).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
  });

  it('needs each next event to carry the next seq and this wallet’s id', () => {
    const w = wallet();
    expect(() => applyWalletEvent(w, event('FROZEN', 3))).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
    expect(() => applyWalletEvent(w, event('FROZEN', 1))).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
    expect(() => applyWalletEvent(w, event('FROZEN', 2, 'w-2'))).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE.INVALID_EVENT' }),
    );
  });

  describe('policy versions', () => {
    it('sets versions 1, 2, 3 in order and reads each back equal, bigint amounts intact', () => {
      const w = wallet(policySet(1), policySet(2), policySet(3));
      expect(w.policy).toEqual(policyJson(3).policy);
      expect(w.policy?.version).toBe(3);
      expect(w.policy?.rules[0]?.match.amount?.max).toBe(HUGE + 3n);
      expect(w.policy?.limits.perAsset?.native?.daily).toBe(HUGE * 2n);
      expect(w.version).toBe(4);
    });

    it('refuses a version out of order', () => {
      expect(refusal(wallet(), policySet(2))).toMatchObject({
        code: 'LIFECYCLE.ILLEGAL_TRANSITION',
        details: { reason: 'the next policy version is 1, not 2' },
      });
      expect(refusal(wallet(policySet(1)), policySet(1)).code).toBe('LIFECYCLE.ILLEGAL_TRANSITION');
      expect(refusal(wallet(policySet(1), policySet(2)), policySet(4)).code).toBe('LIFECYCLE.ILLEGAL_TRANSITION');
    });

    it('refuses a stored policy whose own version is not the event’s', () => {
      expect(refusal(wallet(), policySet(1, policyJson(2).json)).code).toBe('LIFECYCLE.INVALID_EVENT');
    });

    it('refuses a policy that does not parse', () => {
      expect(refusal(wallet(), policySet(1, { version: 1, rules: 'all' }))).toMatchObject({
        code: 'LIFECYCLE.INVALID_EVENT',
      });
    });

    it('reads back a policy whose approval group is unknown now: groups were checked when it was set', () => {
      const json = serializePolicy(
        parsePolicy(
          {
            version: 1,
            rules: [
              {
                id: 'r',
                match: {},
                action: { type: 'REQUIRE_APPROVAL', quorum: 3, approverGroup: 'gone', timeoutSeconds: 60 },
              },
            ],
          },
          { groups: new Map([['gone', { size: 3 }]]) },
        ),
      );
      const restored: Policy | undefined = wallet(policySet(1, json)).policy;
      expect(restored?.rules[0]?.action).toEqual({
        type: 'REQUIRE_APPROVAL',
        quorum: 3,
        approverGroup: 'gone',
        timeoutSeconds: 60,
      });
    });

    it('may be set in every status, even after lockdown (setting a policy moves no funds)', () => {
      expect(wallet('FROZEN', policySet(1)).policy?.version).toBe(1);
      const locked = wallet(policySet(1), 'LOCKED_DOWN', policySet(2));
      expect(locked.status).toBe('LOCKED_DOWN');
      expect(locked.policy?.version).toBe(2);
    });
  });

  describe('status', () => {
    const reach: Record<WalletStatus, Step[]> = { ACTIVE: [], FROZEN: ['FROZEN'], LOCKED_DOWN: ['LOCKED_DOWN'] };
    const expected: Record<WalletStatus, Record<'FROZEN' | 'UNFROZEN' | 'LOCKED_DOWN', WalletStatus | 'refused'>> = {
      ACTIVE: { FROZEN: 'FROZEN', UNFROZEN: 'refused', LOCKED_DOWN: 'LOCKED_DOWN' },
      FROZEN: { FROZEN: 'refused', UNFROZEN: 'ACTIVE', LOCKED_DOWN: 'LOCKED_DOWN' },
      LOCKED_DOWN: { FROZEN: 'refused', UNFROZEN: 'refused', LOCKED_DOWN: 'refused' },
    };
    const cases = Object.entries(expected).flatMap(([from, row]) =>
      Object.entries(row).map(([type, to]) => [from as WalletStatus, type as 'FROZEN', to] as const),
    );

    it.each(cases)('from %s, %s gives %s', (from, type, to) => {
      const before = wallet(...reach[from]);
      if (to === 'refused') {
        const error = refusal(before, type);
        expect(error).toBeInstanceOf(IllegalTransitionError);
        expect(error).toMatchObject({
          code: 'LIFECYCLE.ILLEGAL_TRANSITION',
          details: { walletId: 'w-1', status: from, event: type },
        });
        return;
      }
      const after = next(before, type);
      expect(after.status).toBe(to);
      expect(after.version).toBe(before.version + 1);
      expect(after.updatedAt).toEqual(at(after.version));
    });

    it('records who froze the wallet and why, until it is unfrozen', () => {
      const frozen = wallet('FROZEN');
      expect(frozen.frozen).toEqual({ by: 'user-2', reason: 'suspicious outflow', at: at(2) });
      expect(isSpendable(frozen)).toBe(false);
      const unfrozen = next(frozen, 'UNFROZEN');
      expect(unfrozen).not.toHaveProperty('frozen');
      expect(isSpendable(unfrozen)).toBe(true);
    });

    it('records the lockdown, and a lockdown of a frozen wallet ends the freeze record', () => {
      const locked = wallet('FROZEN', 'LOCKED_DOWN');
      expect(locked.lockedDown).toEqual({ by: 'user-3', reason: 'key compromise suspected', at: at(3) });
      expect(locked).not.toHaveProperty('frozen');
      expect(isSpendable(locked)).toBe(false);
    });

    it('leaves the wallet it was given unchanged when it refuses', () => {
      const w = wallet('FROZEN');
      const copy = structuredClone(w);
      refusal(w, 'FROZEN');
      expect(w).toEqual(copy);
    });

    it('names the status as policy evaluation does', () => {
      expect(policyWalletStatus('ACTIVE')).toBe('ACTIVE');
      expect(policyWalletStatus('FROZEN')).toBe('FROZEN');
      expect(policyWalletStatus('LOCKED_DOWN')).toBe('LOCKED');
    });
  });

  describe('key rotation and revocation', () => {
    it('records the successor once; a rotated wallet stays spendable (to its successor only, checked at submit)', () => {
      const rotated = wallet('KEY_ROTATED');
      expect(rotated.rotatedTo).toEqual({
        walletId: 'w-2',
        address: SUCCESSOR,
        by: 'user-2',
        reason: 'scheduled rotation',
        at: at(2),
      });
      expect(isSpendable(rotated)).toBe(true);
      expect(refusal(rotated, 'KEY_ROTATED').message).toMatch(/rotated already, to wallet w-2/);
    });

    it('rotates a frozen wallet too (the sweep waits for it to be unfrozen), never a locked-down one', () => {
      expect(wallet('FROZEN', 'KEY_ROTATED').rotatedTo?.walletId).toBe('w-2');
      expect(refusal(wallet('LOCKED_DOWN'), 'KEY_ROTATED').message).toMatch(/not allowed in status LOCKED_DOWN/);
    });

    it('refuses a wallet as its own successor', () => {
      const self: Step = { type: 'KEY_ROTATED', data: { ...SAMPLE.KEY_ROTATED, successorWalletId: 'w-1' } };
      expect(refusal(wallet(), self).message).toMatch(/cannot succeed itself/);
    });

    it('revokes once, in any status, for good: nothing is spendable, nothing rotates after', () => {
      for (const before of [wallet(), wallet('FROZEN'), wallet('LOCKED_DOWN'), wallet('KEY_ROTATED')]) {
        const revoked = next(before, 'KEY_REVOKED');
        expect(revoked.keyRevoked).toMatchObject({ reason: 'swept to its successor' });
        expect(isSpendable(revoked)).toBe(false);
        expect(refusal(revoked, 'KEY_REVOKED').message).toMatch(/revoked already/);
      }
      expect(refusal(wallet('KEY_REVOKED'), 'KEY_ROTATED').message).toMatch(/its key is revoked/);
      expect(isSpendable(next(wallet('FROZEN', 'KEY_REVOKED'), 'UNFROZEN'))).toBe(false);
    });
  });

  it('in any sequence of events: a lockdown is final, `frozen` is there exactly while FROZEN, and every accepted event is one version', () => {
    const types = fc.constantFrom<WalletEventType>('FROZEN', 'UNFROZEN', 'LOCKED_DOWN', 'POLICY_SET', 'WALLET_CREATED');
    fc.assert(
      fc.property(fc.array(types, { maxLength: 30 }), (sequence) => {
        let w = wallet();
        let accepted = 1;
        for (const type of sequence) {
          const step = type === 'POLICY_SET' ? policySet((w.policy?.version ?? 0) + 1) : type;
          const wasLocked = w.status === 'LOCKED_DOWN';
          try {
            w = next(w, step);
            accepted += 1;
          } catch (error) {
            if (!(error instanceof IllegalTransitionError)) throw error;
          }
          if (wasLocked) expect(w.status).toBe('LOCKED_DOWN');
          expect(w.frozen !== undefined).toBe(w.status === 'FROZEN');
          expect(w.version).toBe(accepted);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('WALLET_CREATED: the key material of each scheme', () => {
  const RECOVERY_KEY = `${'q'.repeat(42)}A`;
  const ATTESTATION_SHA256 = `0x${'ab'.repeat(32)}` as const;
  const sealed = <P extends 'agent-key' | 'key-share'>(purpose: P, version = '1', walletId = 'w-1') => ({
    format: 'strongroom.sealed.v1' as const,
    context: { deployment: 'd', walletId, purpose, version },
    address: ADDRESS,
    encryptedDataKey: 'AQID',
    iv: 'AAAAAAAAAAAAAAAA',
    ciphertext: 'BAUG',
  });
  const ENCLAVE: WalletEventData['WALLET_CREATED'] = {
    ...SAMPLE.WALLET_CREATED,
    keyScheme: 'enclave',
    keyId: 'enclave:w-1:v1',
    sealedKey: sealed('agent-key'),
    attestationSha256: ATTESTATION_SHA256,
  };
  const MPC: WalletEventData['WALLET_CREATED'] = {
    ...SAMPLE.WALLET_CREATED,
    keyScheme: 'mpc',
    keyId: 'mpc:w-1:e1',
    sealedKey: sealed('key-share'),
    keyShares: { epoch: '1', recoveryPublicKey: RECOVERY_KEY },
    attestationSha256: ATTESTATION_SHA256,
  };
  const created = (data: WalletEventData['WALLET_CREATED']): Wallet =>
    foldWalletEvents([event({ type: 'WALLET_CREATED', data }, 1)]);
  function invalid(data: WalletEventData['WALLET_CREATED']): string {
    try {
      created(data);
    } catch (error) {
      expect(error).toBeInstanceOf(StrongroomError);
      expect((error as StrongroomError).code).toBe('LIFECYCLE.INVALID_EVENT');
      return (error as Error).message;
    }
    throw new Error('expected WALLET_CREATED to be refused');
  }

  it('folds an mpc wallet with its share 1, epoch and recovery key', () => {
    const w = created(MPC);
    expect(w.sealedKey?.context.purpose).toBe('key-share');
    expect(w.keyShares).toEqual({ epoch: '1', recoveryPublicKey: RECOVERY_KEY });
    expect(created(ENCLAVE).keyShares).toBeUndefined();
  });

  it.each<[string, WalletEventData['WALLET_CREATED'], RegExp]>([
    ['an enclave wallet carrying a key share', { ...ENCLAVE, sealedKey: sealed('key-share') }, /key-share, not/],
    ['an mpc wallet carrying an agent key', { ...MPC, sealedKey: sealed('agent-key') }, /agent-key, not/],
    ['an mpc wallet without its share 1', { ...MPC, sealedKey: undefined }, /no sealed key-share/],
    ['an enclave wallet with key shares', { ...ENCLAVE, keyShares: MPC.keyShares }, /only mpc wallets/],
    ['a kms wallet with key shares', { ...SAMPLE.WALLET_CREATED, keyShares: MPC.keyShares }, /only mpc wallets/],
    ['a kms wallet with a sealed share', { ...SAMPLE.WALLET_CREATED, sealedKey: sealed('key-share') }, /only enclave/],
    ['an mpc wallet without key shares', { ...MPC, keyShares: undefined }, /no key shares/],
    ['an mpc share 1 of another epoch', { ...MPC, sealedKey: sealed('key-share', '2') }, /not of epoch 1/],
    ['an mpc share 1 of another wallet', { ...MPC, sealedKey: sealed('key-share', '1', 'w-2') }, /another wallet/],
    ['an epoch of 0', { ...MPC, keyShares: { epoch: '0', recoveryPublicKey: RECOVERY_KEY } }, /positive/],
    [
      'a secp256k1 recovery key',
      { ...MPC, keyShares: { epoch: '1', recoveryPublicKey: `0x02${'11'.repeat(32)}` } },
      /recovery public key/,
    ],
    ['an mpc wallet without its attestation digest', { ...MPC, attestationSha256: undefined }, /attestation/],
  ])('refuses %s', (_name, data, reason) => {
    expect(invalid(data)).toMatch(reason);
  });
});
