package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleAccumulatorTest {

  @Test
  void emptyAccumulatorHasEmptyRoot() {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    assertThat(accumulator.size()).isZero();
    assertThat(accumulator.root()).isEqualTo(TreeHasher.emptyRoot());
  }

  @Test
  void appendEntryReturnsItsLeafHash() {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    byte[] leafHash = accumulator.appendEntry(new byte[] {0x10});
    assertThat(leafHash).isEqualTo(RfcReference.leafHash(new byte[] {0x10}));
    assertThat(accumulator.size()).isOne();
    assertThat(accumulator.root()).isEqualTo(leafHash);
  }

  @Test
  void rejectsLeafHashOfWrongLength() {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    for (int length : new int[] {0, 31, 33, 64}) {
      assertThatThrownBy(() -> accumulator.appendLeafHash(new byte[length]))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
    assertThat(accumulator.size()).isZero();
  }

  @Test
  void callersCannotCorruptStateThroughArrays() {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    byte[] leaf = RfcReference.leafHash(new byte[] {1});
    accumulator.appendLeafHash(leaf);
    byte[] before = accumulator.root();
    leaf[0] ^= 1;
    accumulator.root()[0] ^= 1;
    assertThat(accumulator.root()).isEqualTo(before);
  }

  @Test
  void overRecomputesTheRootOfAnyStoredPrefix() {
    List<byte[]> stored = new ArrayList<>();
    MerkleAccumulator live = new MerkleAccumulator();
    List<byte[]> roots = new ArrayList<>();
    roots.add(live.root());
    for (int i = 0; i < 1100; i++) {
      stored.add(live.appendEntry(new byte[] {(byte) i, (byte) (i >> 8)}));
      roots.add(live.root());
    }
    LeafHashes leaves = LeafHashes.of(stored);
    for (int size : new int[] {0, 1, 2, 3, 255, 256, 257, 1023, 1024, 1025, 1100}) {
      assertThat(MerkleAccumulator.rootOf(leaves, size))
          .as("size %d", size)
          .isEqualTo(roots.get(size));
      assertThat(MerkleAccumulator.over(leaves, size).size()).isEqualTo(size);
    }
    assertThat(roots.get(1100)).isEqualTo(RfcReference.mth(stored));
  }

  @Test
  void overRejectsSizesOutsideTheLog() {
    LeafHashes leaves = LeafHashes.of(List.of(new byte[32], new byte[32]));
    for (long size : new long[] {-1, 3, Long.MIN_VALUE, Long.MAX_VALUE}) {
      assertThatThrownBy(() -> MerkleAccumulator.over(leaves, size))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void overRejectsStoredLeafHashOfWrongLength() {
    LeafHashes leaves = LeafHashes.of(List.of(new byte[32], new byte[31]));
    assertThat(MerkleAccumulator.rootOf(leaves, 1)).isEqualTo(new byte[32]);
    assertThatThrownBy(() -> MerkleAccumulator.rootOf(leaves, 2))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }
}
