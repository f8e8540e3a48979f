package io.sluice.psi;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
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
  static final String KEY = "national_id:upper,visit_date";

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
    return PsiConfig.builder(mode, "agreement-7", "session-" + batchSize, KEY)
        .batchSize(batchSize)
        .maxInFlightBatches(2);
  }

  private InMemoryPsiChannel.Pair pair() {
    return InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
  }

  @Test
  void psiOutputEqualsPlainJoinForRandomSets() {
    long seed = seed();
    Random r = new Random(seed);
    for (int trial = 0; trial < 25; trial++) {
      String label = "seed " + seed + ", trial " + trial;
      List<byte[]> pool = TestKeys.pool(r, 1 + r.nextInt(200));
      List<byte[]> x = TestKeys.drawWithGaps(r, pool, trial == 0 ? 0 : r.nextInt(250));
      List<byte[]> y = TestKeys.drawWithGaps(r, pool, trial == 1 ? 0 : r.nextInt(250));
      if (trial == 2) {
        y = TestKeys.pool(r, 50); // most likely disjoint
      }
      PsiConfig c = config(PsiMode.PSI, 1 + r.nextInt(40)).build();
      var out = harness.ecdh(c, pair(), allocator, x, y);
      assertThat(out.receiverError()).as(label).isNull();
      assertThat(out.senderError()).as(label).isNull();
      assertThat(out.receiver().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
      assertThat(out.receiver().matchedRows())
          .as(label)
          .containsExactly(TestKeys.matchedRows(x, y));
      assertThat(out.receiver().intersectionSize())
          .as(label)
          .hasValue(TestKeys.intersectionSize(x, y));
      assertInputs(label, out, x, y);
      assertThat(out.sender().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
    }
  }

  /** Each side learns the other's distinct key count, and counts its own skipped rows. */
  private static void assertInputs(
      String label,
      PsiHarness.Outcome<PsiReceiverResult, PsiSenderResult> out,
      List<byte[]> x,
      List<byte[]> y) {
    assertThat(out.receiver().input())
        .as(label)
        .isEqualTo(new PsiInput(x.size(), TestKeys.skipped(x), TestKeys.distinct(x)));
    assertThat(out.sender().input())
        .as(label)
        .isEqualTo(new PsiInput(y.size(), TestKeys.skipped(y), TestKeys.distinct(y)));
    assertThat(out.receiver().senderKeys()).as(label).isEqualTo(TestKeys.distinct(y));
    assertThat(out.sender().receiverKeys()).as(label).isEqualTo(TestKeys.distinct(x));
  }

  @Test
  void cardinalityEqualsDistinctIntersectionForRandomSets() {
    long seed = seed();
    Random r = new Random(seed);
    for (int trial = 0; trial < 25; trial++) {
      String label = "seed " + seed + ", trial " + trial;
      List<byte[]> pool = TestKeys.pool(r, 1 + r.nextInt(200));
      List<byte[]> x = TestKeys.drawWithGaps(r, pool, trial == 0 ? 0 : r.nextInt(250));
      List<byte[]> y = TestKeys.drawWithGaps(r, pool, trial == 1 ? 0 : r.nextInt(250));
      PsiConfig c = config(PsiMode.CARDINALITY, 1 + r.nextInt(40)).build();
      var out = harness.ecdh(c, pair(), allocator, x, y);
      assertThat(out.receiverError()).as(label).isNull();
      assertThat(out.senderError()).as(label).isNull();
      assertThat(out.receiver().intersectionSize())
          .as(label)
          .hasValue(TestKeys.intersectionSize(x, y));
      assertThat(out.receiver().matchedRows()).as(label).isEmpty();
      assertInputs(label, out, x, y);
      assertThat(out.sender().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
    }
  }

  @Test
  void rowsWithoutAKeyNeverMatchEachOther() {
    List<byte[]> pool = TestKeys.pool(new Random(4), 5);
    List<byte[]> x = new ArrayList<>(pool);
    x.add(null);
    x.add(null);
    List<byte[]> y = new ArrayList<>(pool.subList(0, 2));
    y.add(null);
    for (PsiMode mode : List.of(PsiMode.PSI, PsiMode.CARDINALITY)) {
      var out = harness.ecdh(config(mode, 3).build(), pair(), allocator, x, y);
      assertThat(out.receiver().intersectionSize()).hasValue(2);
      if (mode == PsiMode.PSI) {
        assertThat(out.receiver().matchedRows()).containsExactly(0, 1);
      }
      assertThat(out.receiver().input().skippedRows()).isEqualTo(2);
      assertThat(out.sender().input().skippedRows()).isEqualTo(1);
      assertThat(out.sender().receiverKeys()).isEqualTo(5);
    }
  }

  @Test
  void anEmptyIntersectionIsAnAnswerWhenNoMinimumIsSet() {
    Random r = new Random(5);
    List<byte[]> x = TestKeys.pool(r, 30);
    List<byte[]> y = TestKeys.pool(new Random(6), 30);
    for (PsiMode mode : List.of(PsiMode.PSI, PsiMode.CARDINALITY)) {
      var out = harness.ecdh(config(mode, 7).build(), pair(), allocator, x, y);
      assertThat(out.receiverError()).isNull();
      assertThat(out.receiver().outcome()).isEqualTo(PsiOutcome.RELEASED);
      assertThat(out.receiver().intersectionSize()).hasValue(0);
      assertThat(out.receiver().matchedRows()).isEmpty();
      assertThat(out.sender().outcome()).isEqualTo(PsiOutcome.RELEASED);
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
      var released = harness.ecdh(atLimit, pair(), allocator, x, y);
      assertThat(released.receiver().outcome()).isEqualTo(PsiOutcome.RELEASED);
      assertThat(released.receiver().intersectionSize()).hasValue(5);
      assertThat(released.sender().outcome()).isEqualTo(PsiOutcome.RELEASED);

      PsiConfig above = config(mode, 7).minResultGroupSize(6).build();
      var withheld = harness.ecdh(above, pair(), allocator, x, y);
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
    var out = harness.ecdh(receiver, sender, pair(), allocator, x, x);
    assertCode(out.senderError(), ErrorCode.INPUT_LIMIT_EXCEEDED);
    assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);

    PsiConfig strict = config(PsiMode.PSI, 4).maxReceiverRows(10).build();
    var own = harness.ecdh(strict, strict, pair(), allocator, x, x);
    assertCode(own.receiverError(), ErrorCode.INPUT_LIMIT_EXCEEDED);
  }

  @Test
  void duplicatesCountOnceAgainstTheLimit() {
    List<byte[]> pool = TestKeys.pool(new Random(7), 10);
    List<byte[]> x = new ArrayList<>(pool);
    x.addAll(pool); // 20 rows, 10 distinct keys
    PsiConfig c = config(PsiMode.PSI, 4).maxReceiverRows(10).build();
    var out = harness.ecdh(c, pair(), allocator, x, pool);
    assertThat(out.receiverError()).isNull();
    assertThat(out.receiver().matchedRows()).hasSize(20);
    assertThat(out.sender().receiverKeys()).isEqualTo(10);
  }

  @Test
  void handshakeMismatchAbortsBeforeAnyData() {
    List<byte[]> x = TestKeys.pool(new Random(3), 5);
    PsiConfig receiver = PsiConfig.builder(PsiMode.PSI, "agreement-7", "s1", KEY).build();
    for (PsiConfig sender :
        List.of(
            PsiConfig.builder(PsiMode.PSI, "agreement-8", "s1", KEY).build(),
            PsiConfig.builder(PsiMode.PSI, "agreement-7", "s2", KEY).build(),
            PsiConfig.builder(PsiMode.CARDINALITY, "agreement-7", "s1", KEY).build(),
            PsiConfig.builder(PsiMode.PSI, "agreement-7", "s1", "national_id,visit_date").build(),
            PsiConfig.builder(PsiMode.PSI, "agreement-7", "s1", KEY).batchSize(100).build())) {
      var out = harness.ecdh(receiver, sender, pair(), allocator, x, x);
      assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);
      assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);
    }
  }

  static void assertCode(Throwable t, ErrorCode code) {
    assertThat(t).isInstanceOf(SluiceException.class);
    assertThat(((SluiceException) t).code()).as(String.valueOf(t)).isEqualTo(code);
  }
}
