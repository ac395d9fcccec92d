// The customer's recovery tool for `mpc` wallets (issue 16): everything it needs runs on the customer's
// machine, with no call to strongroom. usage: npm run recover -- <command> (or npx tsx scripts/strongroom-recover.ts)
//
//   keygen --out <dir>                                 recovery.pub (give it as recoveryPublicKey) and recovery.key (0600)
//   open --key <recovery.key> --share <share3.json>    decrypts share 3 and prints it as hex
//   combine --address 0x… [--reveal] [<shareA> <shareB>]  rebuilds the key from two shares (hex; read from
//                                                       stdin when not given, which keeps them out of `ps`
//                                                       and the shell's history) and prints its address;
//                                                       the private key only with --reveal
//   release --key <recovery.key> --share <share3.json> --session <session.json> --pcrs <pcrs.json>
//                                                       recovery 3 + 1 (the co-signer lost): verifies an enclave
//                                                       signing session's attestation (AWS Nitro root, your
//                                                       image's PCRs, this wallet and job) and prints share 3
//                                                       sealed to that session's key only, for signMpc
//
// Exit codes: 0 done, 1 refused (a share does not open or does not rebuild the address), 2 bad input.
// Nothing secret is printed unless the command is the request for it (`open`, `combine --reveal`), and
// then on stdout only, with a warning on stderr.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToHex, hexToBytes, isAddress, isHex } from 'viem';
import { isAttestationError } from '../enclave-host/attestation/attestation-error';
import { NitroAttestationVerifier } from '../enclave-host/attestation/nitro-attestation-verifier';
import { MPC_SESSION_TTL_SECONDS, type HpkeSealed, type PcrValues } from '../enclave-host/contract';
import { mpcSessionUserData } from '../enclave-host/enclave/mpc-session-user-data';
import {
  addressOfSecretKey,
  combineShares,
  decodeBase64url,
  generateRecoveryKeyPair,
  isShareError,
  openShare,
  sealShare,
  SHARE_LENGTH,
  zeroise,
} from '../enclave-host/shares';

/** Where the tool writes and reads: the process's streams in use, strings in the tests. */
export interface RecoverIo {
  out(line: string): void;
  err(line: string): void;
  /** All of stdin, for `combine` without shares on the command line. */
  readStdin(): Promise<string>;
}

const USAGE = [
  'usage: strongroom-recover keygen --out <dir>',
  '       strongroom-recover open --key <recovery.key> --share <share3.json> [--address 0x…]',
  '       strongroom-recover combine --address 0x… [--reveal] [<shareHexA> <shareHexB>]',
  '       strongroom-recover release --key <recovery.key> --share <share3.json> --session <session.json> --pcrs <pcrs.json> [--test-root <root.pem>]',
].join('\n');

const PRIVATE_KEY_LENGTH = 32;

/** A refusal the tool explains in one line, with its exit code. */
class RecoverFailure extends Error {
  override readonly name = 'RecoverFailure';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

function badInput(message: string): never {
  throw new RecoverFailure(message, 2);
}

/** Runs one command; resolves to the exit code. */
export async function runRecover(args: readonly string[], io: RecoverIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'keygen':
        await keygen(rest, io);
        return 0;
      case 'open':
        await open(rest, io);
        return 0;
      case 'combine':
        await combine(rest, io);
        return 0;
      case 'release':
        await release(rest, io);
        return 0;
      case undefined:
      case '--help':
      case '-h':
        io.err(USAGE);
        return 2;
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof RecoverFailure) {
      io.err(`error: ${error.message}`);
      return error.exitCode;
    }
    // A ShareError's message names the field and the reason and never a key or a share. A malformed
    // input is the customer's to fix (2); a share that does not open or rebuild is a refusal (1).
    if (isShareError(error)) {
      io.err(`error: ${error.message} (${error.code})`);
      const badInputCodes = ['SHARES.MALFORMED', 'SHARES.DUPLICATE_SHARE', 'SHARES.BAD_RECOVERY_KEY'];
      return badInputCodes.includes(error.code) ? 2 : 1;
    }
    // Anything else (a parseArgs or file-system error) says which option or path, not file contents.
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

async function keygen(args: readonly string[], io: RecoverIo): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: { out: { type: 'string' } }, strict: true });
  const dir = values.out ?? badInput('keygen needs --out <dir>');
  mkdirSync(dir, { recursive: true });
  const { publicKey, privateKey } = await generateRecoveryKeyPair();
  const keyPath = join(dir, 'recovery.key');
  const pubPath = join(dir, 'recovery.pub');
  try {
    // 'wx': never overwrite a recovery key, which may be the only one that opens some wallet's share 3.
    // The mode is given at creation (umask can only clear bits) and set again in case the file system
    // ignored it.
    writeFileSync(keyPath, `${Buffer.from(privateKey).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(keyPath, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      badInput(`${keyPath} exists: move it away first (it may be the only key that opens a recovery share)`);
    throw error;
  } finally {
    zeroise(privateKey);
  }
  writeFileSync(pubPath, `${publicKey}\n`, { mode: 0o644 });
  io.out(publicKey);
  io.err(`wrote ${pubPath}: give this as recoveryPublicKey when you create an mpc wallet`);
  io.err(`wrote ${keyPath} (mode 0600): keep it offline; with it and one other share your wallet's key can be rebuilt`);
}

async function open(args: readonly string[], io: RecoverIo): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { key: { type: 'string' }, share: { type: 'string' }, address: { type: 'string' } },
    strict: true,
  });
  const keyPath = values.key ?? badInput('open needs --key <recovery.key>');
  const sharePath = values.share ?? badInput('open needs --share <share3.json>');
  if (values.address !== undefined && !isAddress(values.address, { strict: false }))
    badInput('--address is not a 20-byte hex address');
  const privateKey = readRecoveryKey(keyPath);
  const sealed = readSealedShare(sharePath);
  // Any other value of `share` is refused by openShare, which checks every field.
  if (sealed.context.share === '1' || sealed.context.share === '2')
    badInput(`${sharePath} holds share ${sealed.context.share}, not the recovery share 3`);
  if (values.address !== undefined && sealed.context.address.toLowerCase() !== values.address.toLowerCase())
    throw new RecoverFailure(`${sharePath} is a share of ${sealed.context.address}, not of ${values.address}`, 1);
  const share = await openShare(privateKey, sealed, { ...sealed.context, share: '3' }).finally(() =>
    zeroise(privateKey),
  );
  io.err(
    `share 3 of wallet ${sealed.context.walletId} (${sealed.context.address}, epoch ${sealed.context.epoch}), in plaintext below.`,
  );
  io.err('WARNING: with this share and one other, anyone can rebuild the key and move the funds. Keep it offline.');
  io.out(bytesToHex(share).slice(2));
  zeroise(share);
}

async function combine(args: readonly string[], io: RecoverIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { address: { type: 'string' }, reveal: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const address = values.address ?? badInput('combine needs --address 0x… (the wallet the shares are of)');
  if (!isAddress(address, { strict: false })) badInput('--address is not a 20-byte hex address');
  const texts = positionals.length > 0 ? positionals : (await io.readStdin()).split(/\s+/).filter((t) => t !== '');
  const [textA, textB, ...more] = texts;
  if (textA === undefined || textB === undefined || more.length > 0)
    badInput(`combine needs exactly two shares, got ${texts.length}`);
  const a = parseShareHex(textA, 'share A');
  const b = parseShareHex(textB, 'share B');
  const key = await combineShares(a, b, address).finally(() => zeroise(a, b));
  try {
    io.out(`address: ${addressOfSecretKey(key)}`);
    if (values.reveal) {
      io.err('WARNING: the private key below moves the funds of this address by itself. Do not paste it online.');
      io.out(`privateKey: ${bytesToHex(key)}`);
    }
  } finally {
    zeroise(key);
  }
}

/** How old a session's attestation may be: the enclave closes a session after MPC_SESSION_TTL_SECONDS. */
const SESSION_ATTESTATION_MAX_AGE_SECONDS = MPC_SESSION_TTL_SECONDS;

/**
 * Recovery 3 + 1, when the co-signer is lost: the customer stands in for it. The enclave host opened a
 * signing session for one job of the wallet (`openMpcSession`: its id, job and attestation, as
 * session.json `{"sessionId","jobId","attestation"}`). This verifies the attestation as the co-signer
 * would (the AWS Nitro root, the image's PCRs, fresh, user data over this deployment, wallet and job,
 * a 32-byte public key), opens share 3 and prints it HPKE-sealed to that session's key alone, with its
 * own context (share "3"), which `signMpc` takes in place of share 2. The key is still combined only in
 * the enclave, and only for a proof the approval key signed. Nothing in plaintext is printed.
 */
async function release(args: readonly string[], io: RecoverIo): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      key: { type: 'string' },
      share: { type: 'string' },
      session: { type: 'string' },
      pcrs: { type: 'string' },
      'test-root': { type: 'string' },
    },
    strict: true,
  });
  const keyPath = values.key ?? badInput('release needs --key <recovery.key>');
  const sharePath = values.share ?? badInput('release needs --share <share3.json>');
  const sessionPath = values.session ?? badInput('release needs --session <session.json> (the enclave session)');
  const pcrsPath = values.pcrs ?? badInput("release needs --pcrs <pcrs.json> (your enclave image's PCR0, 1 and 2)");
  const sealed = readSealedShare(sharePath);
  if (sealed.context.share !== '3') badInput(`${sharePath} holds share ${String(sealed.context.share)}, not share 3`);
  const session = readJsonObject(sessionPath);
  const { jobId, attestation } = session;
  if (typeof jobId !== 'string' || jobId.length === 0) badInput(`${sessionPath} has no jobId`);
  if (typeof attestation !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(attestation))
    badInput(`${sessionPath} has no base64 attestation`);
  const pcrs = readPcrs(pcrsPath);
  const testRoot = values['test-root'];
  if (testRoot !== undefined)
    io.err(
      'WARNING: --test-root trusts a synthetic attestation root: for a local enclave only, never for a wallet with funds.',
    );
  const verifier = new NitroAttestationVerifier(
    testRoot === undefined ? { mode: 'production' } : { mode: 'local', root: readFileSync(testRoot, 'utf8') },
  );
  const { context } = sealed;
  let sessionKey: Uint8Array | undefined;
  try {
    const verified = await verifier.verify(new Uint8Array(Buffer.from(attestation, 'base64')), {
      pcrs,
      now: new Date(),
      maxAgeSeconds: SESSION_ATTESTATION_MAX_AGE_SECONDS,
      userData: mpcSessionUserData(context.deployment, context.walletId, jobId),
    });
    sessionKey = verified.publicKey;
  } catch (error) {
    if (isAttestationError(error))
      throw new RecoverFailure(`the session's attestation does not verify: ${error.code}: ${error.message}`, 1);
    throw error;
  }
  if (sessionKey === undefined || sessionKey.length !== 32)
    throw new RecoverFailure("the session's attestation carries no 32-byte X25519 key", 1);
  const privateKey = readRecoveryKey(keyPath);
  const share = await openShare(privateKey, sealed, { ...context, share: '3' }).finally(() => zeroise(privateKey));
  try {
    const released = await sealShare(sessionKey, share, { ...context, share: '3' });
    io.err(
      `share 3 of wallet ${context.walletId} (${context.address}) sealed to enclave session ${String(session.sessionId)} for job ${jobId}: pass it as releasedShare to signMpc`,
    );
    io.out(JSON.stringify(released));
  } finally {
    zeroise(share);
  }
}

function readRecoveryKey(path: string): Uint8Array {
  const privateKey = decodeBase64url(readFileSync(path, 'utf8').trim());
  if (privateKey === undefined || privateKey.length !== PRIVATE_KEY_LENGTH)
    badInput(`${path} is not a recovery key (${PRIVATE_KEY_LENGTH} bytes in base64url, as keygen writes it)`);
  return privateKey;
}

function readJsonObject(path: string): Record<string, unknown> {
  const json = readJson(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return badInput(`${path} is not a JSON object`);
  return json as Record<string, unknown>;
}

/** `{"0": "<96 hex>", "1": …, "2": …}`: the PCRs the image was built with (build-enclave.sh prints them). */
function readPcrs(path: string): PcrValues {
  const raw = readJsonObject(path);
  const pcrs: Record<number, string> = {};
  for (const [index, value] of Object.entries(raw)) {
    if (!/^(?:[0-9]|1[0-5])$/.test(index) || typeof value !== 'string' || !/^[0-9a-fA-F]{96}$/.test(value))
      badInput(`${path}: PCR ${index} is not 96 hex characters`);
    pcrs[Number(index)] = value.toLowerCase();
  }
  for (const index of [0, 1, 2]) if (pcrs[index] === undefined) badInput(`${path} has no PCR${index}`);
  return pcrs;
}

function parseShareHex(text: string, name: string): Uint8Array {
  const hex = text.startsWith('0x') ? text : `0x${text}`;
  // The message never repeats the text: it is (or was meant to be) a share.
  if (!isHex(hex, { strict: true }) || hex.length !== 2 + SHARE_LENGTH * 2)
    badInput(`${name} is not ${SHARE_LENGTH * 2} hex characters (${SHARE_LENGTH} bytes, as open prints a share)`);
  return hexToBytes(hex as `0x${string}`);
}

/** A file's JSON; a file that is not JSON is bad input (a missing or unreadable one throws as it is). */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
    return badInput(`${path} is not JSON`);
  }
}

function readSealedShare(path: string): HpkeSealed {
  const sealed = readJson(path) as Partial<HpkeSealed> | null;
  // The shape only; openShare checks every field of it.
  if (typeof sealed !== 'object' || sealed === null || typeof sealed.context !== 'object' || sealed.context === null)
    return badInput(`${path} is not a sealed share (no context)`);
  return sealed as HpkeSealed;
}

const processIo: RecoverIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

if (require.main === module)
  void runRecover(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code;
  });
