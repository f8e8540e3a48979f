package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.Property;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round trips and mutations for random trees: generated proofs verify against the accumulator's
 * roots and equal the RFC's recursive definitions ({@link RfcReference}); a flipped bit, another
 * index or another tree head makes them fail.
 */
class MerkleProofPropertyTest {

  /** A log seed, a size, a seed for an index or second size, and a cache level. */
  record Tree(long seed, int size, int otherSeed, int cacheLevel) {
    static Property.Generator<Tree> of(int minSize, int maxSize, int maxCacheLevel) {
      return g ->
          new Tree(
              g.anyLong(),
              g.between(minSize, maxSize),
              g.between(0, Integer.MAX_VALUE),
              g.between(0, maxCacheLevel));
    }
  }

  /** A log of distinct, unpredictable leaf hashes. */
  private static List<byte[]> log(long seed, int size) {
    List<byte[]> leaves = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      leaves.add(RfcReference.leafHash(ByteBuffer.allocate(12).putLong(seed).putInt(i).array()));
    }
    return leaves;
  }

  /** roots.get(n) is the accumulator's root after n leaves. */
  private static List<byte[]> rootsBySize(List<byte[]> leaves) {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    List<byte[]> roots = new ArrayList<>(leaves.size() + 1);
    roots.add(accumulator.root());
    for (byte[] leaf : leaves) {
      accumulator.appendLeafHash(leaf);
      roots.add(accumulator.root());
    }
    return roots;
  }

  private static byte[] flip(byte[] hash, int bit) {
    byte[] flipped = hash.clone();
    flipped[bit / 8] ^= (byte) (1 << (bit % 8));
    return flipped;
  }

  @Test
  void accumulatorRootsEqualMerkleTreeHash() {
    Property.forAll(
        300, Tree.of(0, 600, 0), t -> accumulatorRootsEqualMerkleTreeHash(t.seed(), t.size()));
  }

  private static void accumulatorRootsEqualMerkleTreeHash(long seed, int size) {
    List<byte[]> leaves = log(seed, size);
    List<byte[]> roots = rootsBySize(leaves);
    MerkleTree tree = new MerkleTree(LeafHashes.of(leaves), 3);
    assertThat(roots.get(size)).isEqualTo(RfcReference.mth(leaves));
    for (int n = size; n >= 0; n -= 1 + size / 20) {
      assertThat(tree.rootAt(n)).as("size %d", n).isEqualTo(roots.get(n));
      assertThat(MerkleAccumulator.rootOf(LeafHashes.of(leaves), n)).isEqualTo(roots.get(n));
    }
  }

  @Test
  void inclusionProofsVerifyAndFollowTheRfc() {
    Property.forAll(
        300,
        Tree.of(1, 3000, 12),
        t ->
            inclusionProofsVerifyAndFollowTheRfc(
                t.seed(), t.size(), t.otherSeed(), t.cacheLevel()));
  }

  private static void inclusionProofsVerifyAndFollowTheRfc(
      long seed, int size, int indexSeed, int cacheLevel) {
    List<byte[]> leaves = log(seed, size);
    int index = indexSeed % size;
    MerkleTree tree = new MerkleTree(LeafHashes.of(leaves), cacheLevel);
    byte[] root = MerkleAccumulator.rootOf(LeafHashes.of(leaves), size);
    List<byte[]> proof = tree.inclusionProof(index, size);

    assertThat(proof).containsExactlyElementsOf(RfcReference.pathHashes(index, leaves));
    assertThat(MerkleVerifier.verifyInclusion(index, size, leaves.get(index), proof, root))
        .isTrue();
  }

  @Test
  void mutatedInclusionProofsFail() {
    Property.forAll(
        150,
        Tree.of(1, 300, 0),
        t -> mutatedInclusionProofsFail(t.seed(), t.size(), t.otherSeed()));
  }

  private static void mutatedInclusionProofsFail(long seed, int size, int indexSeed) {
    List<byte[]> leaves = log(seed, 2 * size + 3);
    List<byte[]> roots = rootsBySize(leaves);
    int index = indexSeed % size;
    byte[] leaf = leaves.get(index);
    byte[] root = roots.get(size);
    List<byte[]> proof = new MerkleTree(LeafHashes.of(leaves)).inclusionProof(index, size);
    assertThat(MerkleVerifier.verifyInclusion(index, size, leaf, proof, root)).isTrue();

    // Every single-bit change of every proof element, of the leaf hash and of the root.
    for (int e = 0; e < proof.size(); e++) {
      for (int bit = 0; bit < 256; bit++) {
        List<byte[]> mutated = new ArrayList<>(proof);
        mutated.set(e, flip(proof.get(e), bit));
        assertThat(MerkleVerifier.verifyInclusion(index, size, leaf, mutated, root))
            .as("element %d bit %d", e, bit)
            .isFalse();
      }
    }
    for (int bit = 0; bit < 256; bit++) {
      assertThat(MerkleVerifier.verifyInclusion(index, size, flip(leaf, bit), proof, root))
          .isFalse();
      assertThat(MerkleVerifier.verifyInclusion(index, size, leaf, proof, flip(root, bit)))
          .isFalse();
    }
    // Every other index, in and out of range.
    for (long other = -2; other <= size + 1; other++) {
      if (other != index) {
        assertThat(MerkleVerifier.verifyInclusion(other, size, leaf, proof, root))
            .as("index %d", other)
            .isFalse();
      }
    }
    // Every other tree head of the same log that could hold the leaf.
    for (int other = index + 1; other < roots.size(); other++) {
      if (other != size) {
        assertThat(MerkleVerifier.verifyInclusion(index, other, leaf, proof, roots.get(other)))
            .as("size %d", other)
            .isFalse();
      }
    }
    // A shorter or longer proof.
    if (!proof.isEmpty()) {
      assertThat(
              MerkleVerifier.verifyInclusion(
                  index, size, leaf, proof.subList(0, proof.size() - 1), root))
          .isFalse();
    }
    List<byte[]> longer = new ArrayList<>(proof);
    longer.add(root);
    assertThat(MerkleVerifier.verifyInclusion(index, size, leaf, longer, root)).isFalse();
  }

  @Test
  void consistencyProofsVerifyAndFollowTheRfc() {
    Property.forAll(
        300,
        Tree.of(1, 3000, 12),
        t ->
            consistencyProofsVerifyAndFollowTheRfc(
                t.seed(), t.size(), t.otherSeed(), t.cacheLevel()));
  }

  private static void consistencyProofsVerifyAndFollowTheRfc(
      long seed, int size2, int size1Seed, int cacheLevel) {
    List<byte[]> leaves = log(seed, size2);
    int size1 = 1 + size1Seed % size2;
    MerkleTree tree = new MerkleTree(LeafHashes.of(leaves), cacheLevel);
    byte[] root1 = MerkleAccumulator.rootOf(LeafHashes.of(leaves), size1);
    byte[] root2 = MerkleAccumulator.rootOf(LeafHashes.of(leaves), size2);
    List<byte[]> proof = tree.consistencyProof(size1, size2);

    assertThat(proof).containsExactlyElementsOf(RfcReference.proof(size1, leaves));
    assertThat(MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof)).isTrue();
  }

  @Test
  void mutatedConsistencyProofsFail() {
    Property.forAll(
        100,
        Tree.of(1, 100, 0),
        t -> mutatedConsistencyProofsFail(t.seed(), t.size(), t.otherSeed()));
  }

  private static void mutatedConsistencyProofsFail(long seed, int size2, int size1Seed) {
    int logSize = size2 + 20;
    List<byte[]> leaves = log(seed, logSize);
    List<byte[]> roots = rootsBySize(leaves);
    int size1 = 1 + size1Seed % size2;
    byte[] root1 = roots.get(size1);
    byte[] root2 = roots.get(size2);
    List<byte[]> proof = new MerkleTree(LeafHashes.of(leaves)).consistencyProof(size1, size2);
    assertThat(MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof)).isTrue();

    for (int e = 0; e < proof.size(); e++) {
      for (int bit = 0; bit < 256; bit++) {
        List<byte[]> mutated = new ArrayList<>(proof);
        mutated.set(e, flip(proof.get(e), bit));
        assertThat(MerkleVerifier.verifyConsistency(size1, size2, root1, root2, mutated))
            .as("element %d bit %d", e, bit)
            .isFalse();
      }
    }
    for (int bit = 0; bit < 256; bit++) {
      assertThat(MerkleVerifier.verifyConsistency(size1, size2, flip(root1, bit), root2, proof))
          .isFalse();
      assertThat(MerkleVerifier.verifyConsistency(size1, size2, root1, flip(root2, bit), proof))
          .isFalse();
    }
    // Against every other pair of tree heads of the same log, the proof holds only where it is
    // also the proof generated for that pair: the empty proof between equal sizes.
    for (int other2 = 0; other2 <= logSize; other2++) {
      for (int other1 = 0; other1 <= other2 + 1; other1++) {
        if (other1 == size1 && other2 == size2 || other1 >= roots.size()) {
          continue;
        }
        boolean expected = proof.isEmpty() && other1 == other2 && other1 > 0;
        assertThat(
                MerkleVerifier.verifyConsistency(
                    other1, other2, roots.get(other1), roots.get(other2), proof))
            .as("sizes %d, %d", other1, other2)
            .isEqualTo(expected);
      }
    }
    if (!proof.isEmpty()) {
      assertThat(
              MerkleVerifier.verifyConsistency(
                  size1, size2, root1, root2, proof.subList(0, proof.size() - 1)))
          .isFalse();
      assertThat(MerkleVerifier.verifyConsistency(size1, size2, root2, root1, proof)).isFalse();
    }
    List<byte[]> longer = new ArrayList<>(proof);
    longer.add(root2);
    assertThat(MerkleVerifier.verifyConsistency(size1, size2, root1, root2, longer)).isFalse();
  }

  /**
   * What a proof does not bind: the size alone. Against the root it was made for, a proof holds for
   * another size exactly when the path to the leaf has the same shape (length and sibling sides).
   */
  @Test
  void inclusionProofHoldsForAnotherSizeOnlyWithTheSamePathShape() {
    Property.forAll(
        100,
        Tree.of(1, 100, 0),
        t ->
            inclusionProofHoldsForAnotherSizeOnlyWithTheSamePathShape(
                t.seed(), t.size(), t.otherSeed()));
  }

  private static void inclusionProofHoldsForAnotherSizeOnlyWithTheSamePathShape(
      long seed, int size, int indexSeed) {
    List<byte[]> leaves = log(seed, 2 * size + 3);
    int index = indexSeed % size;
    byte[] root = RfcReference.mth(leaves.subList(0, size));
    List<RfcReference.Step> path = RfcReference.path(index, leaves.subList(0, size));
    List<byte[]> proof = path.stream().map(RfcReference.Step::hash).toList();
    for (int other = index + 1; other <= leaves.size(); other++) {
      List<Boolean> shape =
          RfcReference.path(index, leaves.subList(0, other)).stream()
              .map(RfcReference.Step::left)
              .toList();
      boolean sameShape = shape.equals(path.stream().map(RfcReference.Step::left).toList());
      assertThat(MerkleVerifier.verifyInclusion(index, other, leaves.get(index), proof, root))
          .as("size %d", other)
          .isEqualTo(sameShape);
    }
  }
}
