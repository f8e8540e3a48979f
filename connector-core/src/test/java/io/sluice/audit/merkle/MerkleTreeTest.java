package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

  private static List<byte[]> leafHashes(int from, int to) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(RfcReference.leafHash(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)}));
    }
    return out;
  }

  private static void assertInvalidArgument(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void rejectsInclusionProofOutsideTheTree() {
    MerkleTree tree = new MerkleTree(LeafHashes.of(leafHashes(0, 5)));
    assertInvalidArgument(() -> tree.inclusionProof(0, 0));
    assertInvalidArgument(() -> tree.inclusionProof(3, 3));
    assertInvalidArgument(() -> tree.inclusionProof(-1, 3));
    assertInvalidArgument(() -> tree.inclusionProof(0, 6));
    assertInvalidArgument(() -> tree.inclusionProof(0, -1));
    assertInvalidArgument(() -> tree.inclusionProof(Long.MIN_VALUE, Long.MAX_VALUE));
  }

  @Test
  void rejectsConsistencyProofFromEmptyOrLargerTree() {
    MerkleTree tree = new MerkleTree(LeafHashes.of(leafHashes(0, 5)));
    assertInvalidArgument(() -> tree.consistencyProof(0, 3));
    assertInvalidArgument(() -> tree.consistencyProof(0, 0));
    assertInvalidArgument(() -> tree.consistencyProof(4, 3));
    assertInvalidArgument(() -> tree.consistencyProof(-1, 3));
    assertInvalidArgument(() -> tree.consistencyProof(3, 6));
  }

  @Test
  void rejectsRootBeyondTheLog() {
    MerkleTree tree = new MerkleTree(LeafHashes.of(leafHashes(0, 5)));
    assertInvalidArgument(() -> tree.rootAt(6));
    assertInvalidArgument(() -> tree.rootAt(-1));
    assertThat(tree.rootAt(0)).isEqualTo(TreeHasher.emptyRoot());
  }

  @Test
  void consistencyProofBetweenEqualSizesIsEmpty() {
    MerkleTree tree = new MerkleTree(LeafHashes.of(leafHashes(0, 5)));
    assertThat(tree.consistencyProof(5, 5)).isEmpty();
    assertThat(tree.consistencyProof(1, 1)).isEmpty();
  }

  @Test
  void rejectsStoredLeafHashOfWrongLength() {
    List<byte[]> stored = leafHashes(0, 4);
    stored.set(2, new byte[33]);
    MerkleTree tree = new MerkleTree(LeafHashes.of(stored));
    assertInvalidArgument(() -> tree.inclusionProof(0, 4));
  }

  @Test
  void followsTheLogAsItGrowsAfterCachingSubtrees() {
    List<byte[]> stored = leafHashes(0, 700);
    MerkleTree tree = new MerkleTree(LeafHashes.of(stored), 2);
    assertThat(tree.inclusionProof(699, 700))
        .containsExactlyElementsOf(RfcReference.pathHashes(699, stored));
    stored.addAll(leafHashes(700, 1500));
    assertThat(tree.rootAt(1500)).isEqualTo(RfcReference.mth(stored));
    assertThat(tree.rootAt(700)).isEqualTo(RfcReference.mth(stored.subList(0, 700)));
    assertThat(tree.inclusionProof(3, 1499))
        .containsExactlyElementsOf(RfcReference.pathHashes(3, stored.subList(0, 1499)));
    assertThat(tree.consistencyProof(700, 1500))
        .containsExactlyElementsOf(RfcReference.proof(700, stored));
  }

  @Test
  void callersCannotCorruptTheCacheThroughReturnedArrays() {
    List<byte[]> stored = leafHashes(0, 1024);
    MerkleTree tree = new MerkleTree(LeafHashes.of(stored));
    byte[] root = tree.rootAt(1024);
    tree.rootAt(1024)[0] ^= 1;
    tree.inclusionProof(0, 1024).forEach(h -> h[0] ^= 1);
    tree.consistencyProof(300, 1024).forEach(h -> h[0] ^= 1);
    assertThat(tree.rootAt(1024)).isEqualTo(root).isEqualTo(RfcReference.mth(stored));
    assertThat(tree.inclusionProof(0, 1024))
        .containsExactlyElementsOf(RfcReference.pathHashes(0, stored));
  }
}
