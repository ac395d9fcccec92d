import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Hex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { combineShares, SHARE_LENGTH } from '../../enclave-host/shares';
import { localTableNames } from '../../lambdas/adapters/dynamodb/table-schema';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import type { StackUnderTest } from './local-stack-server';

/**
 * Everything a run of the local stack left where an insider could read it: every item of every table,
 * the given log lines, every outbox message, every file the local enclave wrote. What the plaintext
 * scans below look through.
 */
export async function everythingWritten(api: StackUnderTest, logLines: readonly string[]): Promise<string> {
  const doc = DynamoDBDocumentClient.from(localDynamoDbClient(api.stack.dynamo.endpoint));
  const tables = Object.values(localTableNames('strongroom'));
  const items = await Promise.all(tables.map((table) => doc.send(new ScanCommand({ TableName: table }))));
  const enclaveDir = api.stack.enclave.dir;
  return [
    JSON.stringify(items.map((i) => i.Items)),
    ...logLines,
    JSON.stringify(api.stack.outbox.list()),
    ...(existsSync(enclaveDir) ? readdirSync(enclaveDir).map((f) => readFileOrEmpty(join(enclaveDir, f))) : []),
  ].join('\n');
}

/** Every run of `bytes` bytes in `text`, as hex digits or as base64/base64url, decoded. */
export function byteRunsIn(text: string, bytes: number): Uint8Array[] {
  const hex = [...text.matchAll(new RegExp(`[0-9a-fA-F]{${bytes * 2}}`, 'g'))].map(
    (m) => new Uint8Array(Buffer.from(m[0], 'hex')),
  );
  const base64Length = Math.ceil(bytes / 3) * 4;
  const unpadded = Math.ceil((bytes * 4) / 3);
  const base64 = [...text.matchAll(new RegExp(`[A-Za-z0-9+/_-]{${unpadded}}={0,${base64Length - unpadded}}`, 'g'))]
    .map((m) => Buffer.from(m[0], m[0].includes('-') || m[0].includes('_') ? 'base64url' : 'base64'))
    .filter((decoded) => decoded.length === bytes)
    .map((decoded) => new Uint8Array(decoded));
  return [...hex, ...base64];
}

/** The candidates in `text` that are the private key of `address`. */
export function privateKeysOf(text: string, address: string): Hex[] {
  return byteRunsIn(text, 32)
    .map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as Hex)
    .filter((candidate) => {
      try {
        return privateKeyToAddress(candidate).toLowerCase() === address.toLowerCase();
      } catch {
        return false; // not a valid scalar
      }
    });
}

/**
 * The candidates in `text` that are a plaintext share of `address`'s key: any 33-byte run that, with
 * the `known` share (one the test holds, e.g. the customer's share 3), rebuilds the address, and the
 * known share itself.
 */
export async function sharesOf(text: string, address: string, known: Uint8Array): Promise<string[]> {
  const found: string[] = [];
  const knownHex = Buffer.from(known).toString('hex');
  for (const candidate of byteRunsIn(text, SHARE_LENGTH)) {
    const hex = Buffer.from(candidate).toString('hex');
    if (hex === knownHex) {
      found.push(hex);
      continue;
    }
    const rebuilt = await combineShares(candidate, known, address).then(
      () => true,
      () => false,
    );
    if (rebuilt) found.push(hex);
  }
  return found;
}

function readFileOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
