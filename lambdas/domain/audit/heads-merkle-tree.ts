import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from 'viem';
import type { TraceHead } from './audit-chain';

/**
 * The ABI types of a checkpoint leaf, in OpenZeppelin's standard tree format (leaf =
 * keccak256(keccak256(abi.encode(traceId, seq, hash)))), so that `StandardMerkleTree.verify`, or
 * OpenZeppelin's `MerkleProof` on chain, checks an inclusion proof without any code of ours.
 */
export const HEAD_LEAF_ENCODING: readonly string[] = ['string', 'uint256', 'bytes32'];

/** A leaf as it travels in JSON: [traceId, seq as a decimal string, hash]. */
export type HeadLeaf = readonly [traceId: string, seq: string, hash: Hex];

/** The root of a checkpoint that saw no changed head (the standard tree has no empty form). */
export const EMPTY_HEADS_ROOT: Hex = `0x${'00'.repeat(32)}`;

export const headLeaf = (head: TraceHead): HeadLeaf => [head.traceId, head.seq.toString(10), head.hash];

/** The trace head a leaf stands for, or undefined when the leaf is not of that shape. */
export function headOfLeaf(leaf: unknown): TraceHead | undefined {
  if (!Array.isArray(leaf) || leaf.length !== 3) return undefined;
  const [traceId, seq, hash] = leaf as unknown[];
  if (typeof traceId !== 'string' || typeof seq !== 'string' || !/^[1-9]\d{0,14}$/.test(seq)) return undefined;
  if (typeof hash !== 'string' || !/^0x[0-9a-f]{64}$/i.test(hash)) return undefined;
  return { traceId, seq: Number(seq), hash: hash as Hex };
}

/** A checkpoint's tree: its root, and each head's leaf with its inclusion proof. */
export interface HeadsMerkleTree {
  readonly root: Hex;
  readonly leaves: readonly { readonly leaf: HeadLeaf; readonly proof: readonly Hex[] }[];
}

/** The standard Merkle tree over the heads (sorted by trace id, so the same heads give the same tree). */
export function headsMerkleTree(heads: readonly TraceHead[]): HeadsMerkleTree {
  if (heads.length === 0) return { root: EMPTY_HEADS_ROOT, leaves: [] };
  const sorted = [...heads].sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));
  const leaves = sorted.map(headLeaf);
  const tree = StandardMerkleTree.of(
    leaves.map((l) => [...l]),
    [...HEAD_LEAF_ENCODING],
  );
  return {
    root: tree.root as Hex,
    leaves: leaves.map((leaf, index) => ({ leaf, proof: tree.getProof(index) as Hex[] })),
  };
}

/** Whether `proof` includes `head`'s leaf under `root`; false for a malformed proof, never a throw. */
export function verifyHeadInclusion(root: Hex, head: TraceHead, proof: readonly Hex[]): boolean {
  try {
    return StandardMerkleTree.verify(root, [...HEAD_LEAF_ENCODING], [...headLeaf(head)], [...proof]);
  } catch {
    return false;
  }
}
