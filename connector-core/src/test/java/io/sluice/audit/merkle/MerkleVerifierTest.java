package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Edge cases the transparency-dev vectors leave out; they run alongside those. */
class MerkleVerifierTest {
  private static final List<byte[]> LEAVES = ReferenceTree.leafHashes();
  private static final MerkleTree TREE = new MerkleTree(LeafHashes.of(LEAVES));

  @Test
  void rejectsProofElementOfWrongLengthEvenWhenTheRestIsRight() {
    List<byte[]> proof = new ArrayList<>(TREE.inclusionProof(2, 7));
    byte[] root = TREE.rootAt(7);
    assertThat(MerkleVerifier.verifyInclusion(2, 7, LEAVES.get(2), proof, root)).isTrue();
    for (int length : new int[] {0, 31, 33}) {
      List<byte[]> bad = new ArrayList<>(proof);
      bad.set(1, Arrays.copyOf(proof.get(1), length));
      assertThat(MerkleVerifier.verifyInclusion(2, 7, LEAVES.get(2), bad, root)).isFalse();
    }
    List<byte[]> withNull = new ArrayList<>(proof);
    withNull.set(0, null);
    assertThat(MerkleVerifier.verifyInclusion(2, 7, LEAVES.get(2), withNull, root)).isFalse();
  }

  @Test
  void rejectsConsistencyProofElementOfWrongLength() {
    List<byte[]> proof = TREE.consistencyProof(3, 7);
    byte[] root3 = TREE.rootAt(3);
    byte[] root7 = TREE.rootAt(7);
    assertThat(MerkleVerifier.verifyConsistency(3, 7, root3, root7, proof)).isTrue();
    List<byte[]> bad = new ArrayList<>(proof);
    bad.set(bad.size() - 1, Arrays.copyOf(proof.get(bad.size() - 1), 33));
    assertThat(MerkleVerifier.verifyConsistency(3, 7, root3, root7, bad)).isFalse();
  }

  @Test
  void rejectsNegativeSizesAndIndices() {
    byte[] root = TREE.rootAt(8);
    List<byte[]> proof = TREE.inclusionProof(0, 8);
    assertThat(MerkleVerifier.verifyInclusion(-1, 8, LEAVES.get(0), proof, root)).isFalse();
    assertThat(MerkleVerifier.verifyInclusion(0, -8, LEAVES.get(0), proof, root)).isFalse();
    assertThat(MerkleVerifier.verifyInclusion(0, Long.MIN_VALUE, LEAVES.get(0), proof, root))
        .isFalse();
    assertThat(MerkleVerifier.verifyConsistency(-1, 8, root, root, List.of())).isFalse();
    assertThat(MerkleVerifier.verifyConsistency(-1, -1, root, root, List.of())).isFalse();
    assertThat(MerkleVerifier.verifyConsistency(Long.MIN_VALUE, 8, root, root, List.of()))
        .isFalse();
  }

  @Test
  void rejectsProofPaddedPastAnyTreeHeight() {
    byte[] root = TREE.rootAt(8);
    List<byte[]> proof = new ArrayList<>(TREE.inclusionProof(5, 8));
    for (int i = 0; i < 70; i++) {
      proof.add(root);
    }
    assertThat(MerkleVerifier.verifyInclusion(5, Long.MAX_VALUE, LEAVES.get(5), proof, root))
        .isFalse();
    assertThat(MerkleVerifier.verifyConsistency(3, Long.MAX_VALUE, TREE.rootAt(3), root, proof))
        .isFalse();
  }

  @Test
  void treeHeadOverloadsCheckAgainstTheHeadsRoot() {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    TreeHead older = new TreeHead(3, TREE.rootAt(3), now);
    TreeHead newer = new TreeHead(8, TREE.rootAt(8), now.plusSeconds(1));
    TreeHead forged = new TreeHead(8, TREE.rootAt(7), now.plusSeconds(1));
    List<byte[]> consistency = TREE.consistencyProof(3, 8);
    List<byte[]> inclusion = TREE.inclusionProof(6, 8);

    assertThat(MerkleVerifier.verifyConsistency(older, newer, consistency)).isTrue();
    assertThat(MerkleVerifier.verifyConsistency(older, forged, consistency)).isFalse();
    assertThat(MerkleVerifier.verifyConsistency(newer, older, consistency)).isFalse();
    assertThat(MerkleVerifier.verifyConsistency(newer, newer, List.of())).isTrue();
    assertThat(MerkleVerifier.verifyInclusion(6, LEAVES.get(6), inclusion, newer)).isTrue();
    assertThat(MerkleVerifier.verifyInclusion(6, LEAVES.get(6), inclusion, forged)).isFalse();
    assertThat(MerkleVerifier.verifyInclusion(6, LEAVES.get(5), inclusion, newer)).isFalse();
  }

  /**
   * Documents that a proof does not bind the tree size by itself: leaf 0 has the same path shape in
   * trees of 3 and 4 leaves. Checked against the right root for each size, it fails.
   */
  @Test
  void sizeIsBoundThroughTheRoot() {
    List<byte[]> proof = TREE.inclusionProof(0, 3);
    assertThat(MerkleVerifier.verifyInclusion(0, 4, LEAVES.get(0), proof, TREE.rootAt(3))).isTrue();
    assertThat(MerkleVerifier.verifyInclusion(0, 4, LEAVES.get(0), proof, TREE.rootAt(4)))
        .isFalse();
  }
}
