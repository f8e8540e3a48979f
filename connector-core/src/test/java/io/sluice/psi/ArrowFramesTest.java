package io.sluice.psi;

import static io.sluice.psi.FrameTest.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Arrays;
import java.util.Random;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArrowFramesTest {
  private RootAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  private byte[] elements(int rows, int width, long seed) {
    byte[] packed = new byte[rows * width];
    new Random(seed).nextBytes(packed);
    return packed;
  }

  @Test
  void elementBatchesRoundTrip() {
    for (int width : new int[] {12, 32, 33}) {
      byte[] packed = elements(1000, width, width);
      byte[] ipc = ArrowFrames.writeElements(allocator, packed, 1000, width);
      assertThat(ArrowFrames.readElements(allocator, ipc, width, 1000)).isEqualTo(packed);
    }
  }

  @Test
  void rejectsWrongWidthTooManyRowsTrailingBytesAndTruncation() {
    byte[] ipc = ArrowFrames.writeElements(allocator, elements(10, 32, 1), 10, 32);
    assertRejected(
        () -> ArrowFrames.readElements(allocator, ipc, 31, 10), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> ArrowFrames.readElements(allocator, ipc, 33, 10), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> ArrowFrames.readElements(allocator, ipc, 32, 9), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> ArrowFrames.readElements(allocator, Arrays.copyOf(ipc, ipc.length + 8), 32, 10),
        ErrorCode.MALFORMED_MESSAGE);
    for (int cut : new int[] {0, 7, ipc.length / 2, ipc.length - 8, ipc.length - 1}) {
      assertRejected(
          () -> ArrowFrames.readElements(allocator, Arrays.copyOf(ipc, cut), 32, 10),
          ErrorCode.MALFORMED_MESSAGE);
    }
    byte[] table =
        ArrowFrames.writeTable(
            allocator, new byte[24], new byte[][] {new byte[30], new byte[40]}, 0, 2);
    assertRejected(
        () -> ArrowFrames.readElements(allocator, table, 12, 10), ErrorCode.MALFORMED_MESSAGE);
  }

  /** Random corruption either decodes to something of the right shape or fails as malformed. */
  @Test
  void corruptedBatchesFailOnlyAsMalformed() {
    long seed = EcdhPsiTest.seed();
    Random r = new Random(seed);
    byte[] ipc = ArrowFrames.writeElements(allocator, elements(64, 32, 2), 64, 32);
    int malformed = 0;
    for (int trial = 0; trial < 2000; trial++) {
      byte[] m = ipc.clone();
      int flips = 1 + r.nextInt(4);
      for (int i = 0; i < flips; i++) {
        m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
      }
      try {
        byte[] out = ArrowFrames.readElements(allocator, m, 32, 64);
        assertThat(out.length % 32).isZero();
      } catch (SluiceException e) {
        assertThat(e.code())
            .as("seed " + seed + ", trial " + trial)
            .isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        malformed++;
      }
    }
    assertThat(malformed).as("seed " + seed).isPositive();
    byte[][] cts = new byte[20][];
    for (int i = 0; i < cts.length; i++) {
      cts[i] = elements(28 + i, 1, i);
    }
    byte[] table = ArrowFrames.writeTable(allocator, elements(20, 12, 4), cts, 0, 20);
    for (int trial = 0; trial < 2000; trial++) {
      byte[] m = table.clone();
      m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
      try {
        ArrowFrames.TableBatch b = ArrowFrames.readTable(allocator, m, 20, 100);
        assertThat(b.tags()).hasSize(b.rows() * 12);
      } catch (SluiceException e) {
        assertThat(e.code())
            .as("seed " + seed + ", trial " + trial)
            .isEqualTo(ErrorCode.MALFORMED_MESSAGE);
      }
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Test
  void tableBatchesRoundTripAndBoundCiphertexts() {
    byte[] tags = elements(3, 12, 3);
    byte[][] cts = {new byte[28], new byte[100], new byte[5000]};
    byte[] ipc = ArrowFrames.writeTable(allocator, tags, cts, 0, 3);
    ArrowFrames.TableBatch b = ArrowFrames.readTable(allocator, ipc, 3, 5000);
    assertThat(b.tags()).isEqualTo(tags);
    assertThat(b.ciphertexts()).isDeepEqualTo(cts);
    assertRejected(
        () -> ArrowFrames.readTable(allocator, ipc, 3, 4999), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> ArrowFrames.readTable(allocator, ipc, 2, 5000), ErrorCode.MALFORMED_MESSAGE);
  }
}
