package io.sluice.psi;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ECDH-PSI end to end over the in-memory channel. The randomized tests are seeded; the seed is in
 * every failure message (rerun with -Dpsi.seed=N).
 */
class EcdhPsiTest {
  private RootAllocator allocator;
  private PsiHarness harness;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
    harness = new PsiHarness();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    harness.close();
    allocator.close(); // fails if any buffer leaked
  }

  static long seed() {
    return Long.getLong("psi.seed", System.nanoTime());
  }

  static PsiConfig.Builder config(PsiMode mode, int batchSize) {
    return PsiConfig.builder(mode, "agreement-7", "session-" + batchSize)
        .batchSize(batchSize)
        .maxInFlightBatches(2);
  }

  @Test
  void psiOutputEqualsPlainJoinForRandomSets() {
    long seed = seed();
    Random r = new Random(seed);
    for (int trial = 0; trial < 25; trial++) {
      String label = "seed " + seed + ", trial " + trial;
      List<byte[]> pool = TestKeys.pool(r, 1 + r.nextInt(200));
      List<byte[]> x = TestKeys.draw(r, pool, trial == 0 ? 0 : r.nextInt(250));
      List<byte[]> y = TestKeys.draw(r, pool, trial == 1 ? 0 : r.nextInt(250));
      if (trial == 2) {
        y = TestKeys.pool(r, 50); // most likely disjoint
      }
      PsiConfig c = config(PsiMode.PSI, 1 + r.nextInt(40)).build();
      var out =
          harness.ecdh(
              c, InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()), allocator, x, y);
      assertThat(out.receiverError()).as(label).isNull();
      assertThat(out.senderError()).as(label).isNull();
      assertThat(out.receiver().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
      assertThat(out.receiver().matchedRows())
          .as(label)
          .containsExactly(TestKeys.matchedRows(x, y));
      assertThat(out.receiver().intersectionSize())
          .as(label)
          .hasValue(TestKeys.intersectionSize(x, y));
      assertThat(out.receiver().senderRows()).as(label).isEqualTo(y.size());
      assertThat(out.sender().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
      assertThat(out.sender().receiverRows()).as(label).isEqualTo(x.size());
    }
  }

  @Test
  void cardinalityEqualsDistinctIntersectionForRandomSets() {
    long seed = seed();
    Random r = new Random(seed);
    for (int trial = 0; trial < 25; trial++) {
      String label = "seed " + seed + ", trial " + trial;
      List<byte[]> pool = TestKeys.pool(r, 1 + r.nextInt(200));
      List<byte[]> x = TestKeys.draw(r, pool, trial == 0 ? 0 : r.nextInt(250));
      List<byte[]> y = TestKeys.draw(r, pool, trial == 1 ? 0 : r.nextInt(250));
      PsiConfig c = config(PsiMode.CARDINALITY, 1 + r.nextInt(40)).build();
      var out =
          harness.ecdh(
              c, InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()), allocator, x, y);
      assertThat(out.receiverError()).as(label).isNull();
      assertThat(out.senderError()).as(label).isNull();
      assertThat(out.receiver().intersectionSize())
          .as(label)
          .hasValue(TestKeys.intersectionSize(x, y));
      assertThat(out.receiver().matchedRows()).as(label).isEmpty();
      assertThat(out.sender().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
    }
  }

  @Test
  void withholdsBelowMinimumGroupSizeOnBothSides() {
    Random r = new Random(1);
    List<byte[]> pool = TestKeys.pool(r, 40);
    List<byte[]> x = pool.subList(0, 20);
    List<byte[]> y = pool.subList(15, 40); // 5 common keys
    for (PsiMode mode : List.of(PsiMode.PSI, PsiMode.CARDINALITY)) {
      PsiConfig atLimit = config(mode, 7).minResultGroupSize(5).build();
      var released =
          harness.ecdh(
              atLimit,
              InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
              allocator,
              x,
              y);
      assertThat(released.receiver().outcome()).isEqualTo(PsiOutcome.RELEASED);
      assertThat(released.receiver().intersectionSize()).hasValue(5);
      assertThat(released.sender().outcome()).isEqualTo(PsiOutcome.RELEASED);

      PsiConfig above = config(mode, 7).minResultGroupSize(6).build();
      var withheld =
          harness.ecdh(
              above,
              InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
              allocator,
              x,
              y);
      assertThat(withheld.receiverError()).isNull();
      assertThat(withheld.receiver().outcome()).isEqualTo(PsiOutcome.WITHHELD);
      assertThat(withheld.receiver().intersectionSize()).isEmpty();
      assertThat(withheld.receiver().matchedRows()).isEmpty();
      assertThat(withheld.sender().outcome()).isEqualTo(PsiOutcome.WITHHELD);
    }
  }

  @Test
  void rejectsReceiverSetLargerThanAgreementOnBothSides() {
    List<byte[]> x = TestKeys.pool(new Random(2), 11);
    PsiConfig receiver = config(PsiMode.PSI, 4).maxReceiverRows(20).build();
    PsiConfig sender = config(PsiMode.PSI, 4).maxReceiverRows(10).build();
    var out =
        harness.ecdh(
            receiver,
            sender,
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            x,
            x);
    assertCode(out.senderError(), ErrorCode.INPUT_LIMIT_EXCEEDED);
    assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);
  }

  @Test
  void handshakeMismatchAbortsBeforeAnyData() {
    List<byte[]> x = TestKeys.pool(new Random(3), 5);
    PsiConfig receiver = PsiConfig.builder(PsiMode.PSI, "agreement-7", "s1").build();
    for (PsiConfig sender :
        List.of(
            PsiConfig.builder(PsiMode.PSI, "agreement-8", "s1").build(),
            PsiConfig.builder(PsiMode.PSI, "agreement-7", "s2").build(),
            PsiConfig.builder(PsiMode.CARDINALITY, "agreement-7", "s1").build(),
            PsiConfig.builder(PsiMode.PSI, "agreement-7", "s1").batchSize(100).build())) {
      var out =
          harness.ecdh(
              receiver,
              sender,
              InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
              allocator,
              x,
              x);
      assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);
      assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);
    }
  }

  static void assertCode(Throwable t, ErrorCode code) {
    assertThat(t).isInstanceOf(SluiceException.class);
    assertThat(((SluiceException) t).code()).as(String.valueOf(t)).isEqualTo(code);
  }
}
