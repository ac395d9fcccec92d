import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { digestOf } from '../../../../lambdas/domain/audit/audit-chain';
import {
  EMPTY_HEADS_ROOT,
  HEAD_LEAF_ENCODING,
  headOfLeaf,
  headsMerkleTree,
  verifyHeadInclusion,
} from '../../../../lambdas/domain/audit/heads-merkle-tree';

const heads = ['b', 'a', 'c', 'd', 'e'].map((traceId, i) => ({ traceId, seq: i + 1, hash: digestOf({ traceId }) }));

describe('heads Merkle tree', () => {
  it('roots the same heads to the same root whatever their order', () => {
    expect(headsMerkleTree(heads).root).toBe(headsMerkleTree([...heads].reverse()).root);
    expect(headsMerkleTree(heads).root).not.toBe(headsMerkleTree(heads.slice(1)).root);
  });

  it("gives each head a proof that OpenZeppelin's StandardMerkleTree.verify accepts, and only for that leaf", () => {
    const tree = headsMerkleTree(heads);
    for (const { leaf, proof } of tree.leaves) {
      expect(StandardMerkleTree.verify(tree.root, [...HEAD_LEAF_ENCODING], [...leaf], [...proof])).toBe(true);
      const head = headOfLeaf(leaf)!;
      expect(verifyHeadInclusion(tree.root, head, proof)).toBe(true);
      expect(verifyHeadInclusion(tree.root, { ...head, seq: head.seq + 1 }, proof)).toBe(false);
      expect(verifyHeadInclusion(tree.root, { ...head, hash: digestOf('edited') }, proof)).toBe(false);
    }
  });

  it('one head is its own root; no head is the empty root; a malformed proof is false, not a throw', () => {
    const one = headsMerkleTree(heads.slice(0, 1));
    expect(one.leaves[0]!.proof).toEqual([]);
    expect(verifyHeadInclusion(one.root, heads[0]!, [])).toBe(true);
    expect(headsMerkleTree([])).toEqual({ root: EMPTY_HEADS_ROOT, leaves: [] });
    expect(verifyHeadInclusion(one.root, heads[0]!, ['0x12'])).toBe(false);
  });

  it('reads a leaf back only when it has the leaf shape', () => {
    expect(headOfLeaf(['t', '3', heads[0]!.hash])).toEqual({ traceId: 't', seq: 3, hash: heads[0]!.hash });
    expect(headOfLeaf(['t', '03', heads[0]!.hash])).toBeUndefined();
    expect(headOfLeaf(['t', 3, heads[0]!.hash])).toBeUndefined();
    expect(headOfLeaf(['t', '3', '0x12'])).toBeUndefined();
  });
});
