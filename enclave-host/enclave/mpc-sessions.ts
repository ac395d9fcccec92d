import { x25519 } from '@noble/curves/ed25519.js';
import { MPC_SESSION_TTL_SECONDS } from '../contract';
import { encodeBase64url } from '../shares';

/** At most this many sessions are open at once; opening one more closes the oldest. */
export const MAX_OPEN_MPC_SESSIONS = 64;

const X25519_KEY_BYTES = 32;
const SESSION_ID_BYTES = 16;

/** One signing session of an mpc wallet: the X25519 private key to which the co-signer encrypts share 2. */
export interface MpcSession {
  readonly walletId: string;
  readonly jobId: string;
  /** Raw X25519 private key; whoever takes the session zeroises it. */
  readonly privateKey: Uint8Array;
  readonly expiresAt: number;
}

export interface MpcSessions {
  /** A new session for (walletId, jobId): its id and raw 32-byte X25519 public key. */
  open(walletId: string, jobId: string): Promise<{ readonly sessionId: string; readonly publicKey: Uint8Array }>;
  /**
   * The session with this id, removed at once whatever the caller does with it (single use), or
   * undefined when there is none or it has expired. The caller zeroises its private key.
   */
  take(sessionId: string): MpcSession | undefined;
  /** How many are open (for tests of the bound). */
  size(): number;
}

/**
 * The enclave's open mpc signing sessions, in memory only: an enclave that restarts forgets them, and a
 * session opened in one enclave is unknown to another (SESSION_UNKNOWN; the host opens a new one). Keys
 * come from the module's random source. Bounded, oldest first out, so a host that opens sessions and
 * never uses them cannot exhaust the enclave's memory; expired ones are dropped (and zeroised) whenever
 * the map is touched.
 */
export function mpcSessions(deps: {
  readonly random: (length: number) => Promise<Uint8Array>;
  readonly clock: () => Date;
  readonly ttlSeconds?: number;
  readonly maxOpen?: number;
}): MpcSessions {
  const ttlMs = (deps.ttlSeconds ?? MPC_SESSION_TTL_SECONDS) * 1000;
  const maxOpen = deps.maxOpen ?? MAX_OPEN_MPC_SESSIONS;
  // A Map iterates in insertion order: the first entry is the oldest.
  const sessions = new Map<string, MpcSession>();

  const close = (sessionId: string): void => {
    sessions.get(sessionId)?.privateKey.fill(0);
    sessions.delete(sessionId);
  };
  const dropExpired = (now: number): void => {
    for (const [sessionId, session] of sessions) if (session.expiresAt <= now) close(sessionId);
  };

  return {
    async open(walletId, jobId) {
      const privateKey = await deps.random(X25519_KEY_BYTES);
      const id = await deps.random(SESSION_ID_BYTES);
      if (privateKey.length !== X25519_KEY_BYTES || id.length !== SESSION_ID_BYTES) {
        privateKey.fill(0);
        throw new RangeError('the random source gave too few bytes');
      }
      const publicKey = x25519.getPublicKey(privateKey);
      const sessionId = encodeBase64url(id);
      const now = deps.clock().getTime();
      dropExpired(now);
      while (sessions.size >= maxOpen) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        close(oldest);
      }
      sessions.set(sessionId, { walletId, jobId, privateKey, expiresAt: now + ttlMs });
      return { sessionId, publicKey };
    },
    take(sessionId) {
      const session = sessions.get(sessionId);
      sessions.delete(sessionId);
      if (session === undefined) return undefined;
      if (session.expiresAt <= deps.clock().getTime()) {
        session.privateKey.fill(0);
        return undefined;
      }
      return session;
    },
    size() {
      dropExpired(deps.clock().getTime());
      return sessions.size;
    },
  };
}
