package io.sluice.psi;

import static io.sluice.psi.EcdhPsiTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** psi-label end to end; randomized tests print their seed (rerun with -Dpsi.seed=N). */
class LabelPsiTest {
  private static final String AGREEMENT = "agreement-label";
  private static final String EPOCH = "2026-11";

  private RootAllocator allocator;
  private PsiHarness harness;
  private final OprfPrivateKey key =
      OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
    harness = new PsiHarness();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    harness.close();
    allocator.close();
  }

  static PsiConfig.Builder config(int batchSize) {
    return PsiConfig.builder(PsiMode.LABEL, AGREEMENT, "session-" + batchSize, "id")
        .keyEpoch(EPOCH)
        .batchSize(batchSize)
        .maxInFlightBatches(2);
  }

  static List<LabelRow> rows(List<byte[]> keys, Random r) {
    List<LabelRow> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      byte[] payload = new byte[r.nextInt(40)];
      r.nextBytes(payload);
      out.add(new LabelRow(keys.get(i), payload));
    }
    return out;
  }

  SenderTable table(List<LabelRow> rows) {
    return SenderTable.build(
        key, AGREEMENT, EPOCH, "id", rows.size(), rows.iterator(), harness.compute, harness.random);
  }

  /** The plain join: (receiver row, sender payload) for every pair of rows with equal keys. */
  static List<String> plainJoin(List<byte[]> x, List<LabelRow> y) {
    Map<ByteBuffer, List<Integer>> byKey =
        TestKeys.rowsByKey(y.stream().map(LabelRow::key).toList());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      if (x.get(i) == null) {
        continue;
      }
      for (int j : byKey.getOrDefault(ByteBuffer.wrap(x.get(i)), List.of())) {
        out.add(i + ":" + java.util.HexFormat.of().formatHex(y.get(j).payload()));
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  static List<String> asStrings(List<LabelMatch> labels) {
    List<String> out = new ArrayList<>();
    labels.forEach(
        m -> out.add(m.receiverRow() + ":" + java.util.HexFormat.of().formatHex(m.payload())));
    out.sort(Comparator.naturalOrder());
    return out;
  }

  @Test
  void labelsEqualThePlainJoinForRandomSets() {
    long seed = EcdhPsiTest.seed();
    Random r = new Random(seed);
    for (int trial = 0; trial < 12; trial++) {
      String label = "seed " + seed + ", trial " + trial;
      List<byte[]> pool = TestKeys.pool(r, 1 + r.nextInt(60));
      List<byte[]> x = TestKeys.drawWithGaps(r, pool, trial == 0 ? 0 : r.nextInt(60));
      List<LabelRow> y = rows(TestKeys.drawWithGaps(r, pool, trial == 1 ? 0 : r.nextInt(80)), r);
      PsiConfig c = config(1 + r.nextInt(20)).build();
      var out =
          harness.label(
              c,
              c,
              InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
              allocator,
              x,
              key,
              table(y));
      assertThat(out.receiverError()).as(label).isNull();
      assertThat(out.senderError()).as(label).isNull();
      List<byte[]> yKeys = y.stream().map(LabelRow::key).toList();
      assertThat(out.receiver().matchedRows())
          .as(label)
          .containsExactly(TestKeys.matchedRows(x, yKeys));
      assertThat(out.receiver().intersectionSize())
          .as(label)
          .hasValue(TestKeys.intersectionSize(x, yKeys));
      assertThat(asStrings(out.receiver().labels())).as(label).isEqualTo(plainJoin(x, y));
      assertThat(out.sender().outcome()).as(label).isEqualTo(PsiOutcome.RELEASED);
      assertThat(out.sender().receiverKeys()).as(label).isEqualTo(TestKeys.distinct(x));
      assertThat(out.receiver().senderKeys()).as(label).isEqualTo(TestKeys.distinct(yKeys));
      assertThat(out.receiver().input().skippedRows()).as(label).isEqualTo(TestKeys.skipped(x));
      assertThat(out.sender().input().skippedRows()).as(label).isEqualTo(TestKeys.skipped(yKeys));
    }
  }

  @Test
  void anEmptyIntersectionIsAnAnswerWhenNoMinimumIsSet() {
    Random r = new Random(9);
    List<byte[]> x = TestKeys.pool(r, 10);
    SenderTable t = table(rows(TestKeys.pool(new Random(10), 10), r));
    PsiConfig c = config(4).build();
    var out =
        harness.label(
            c,
            c,
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            x,
            key,
            t);
    assertThat(out.receiver().outcome()).isEqualTo(PsiOutcome.RELEASED);
    assertThat(out.receiver().intersectionSize()).hasValue(0);
    assertThat(out.receiver().labels()).isEmpty();
  }

  @Test
  void senderRefusesATableOfOtherKeyColumns() {
    SenderTable t = table(rows(TestKeys.pool(new Random(11), 5), new Random(11)));
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    PsiConfig other =
        PsiConfig.builder(PsiMode.LABEL, AGREEMENT, "s", "national_id").keyEpoch(EPOCH).build();
    assertThatThrownBy(
            () ->
                new LabelPsiSender(
                    other,
                    pair.senderEnd(),
                    allocator,
                    harness.compute,
                    harness.random,
                    PsiProgress.NONE,
                    key,
                    t))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void withholdsBelowMinimumGroupSizeOnBothSides() {
    Random r = new Random(5);
    List<byte[]> pool = TestKeys.pool(r, 30);
    List<byte[]> x = pool.subList(0, 10);
    SenderTable t = table(rows(pool.subList(7, 30), r)); // 3 common keys
    PsiConfig c = config(4).minResultGroupSize(4).build();
    var out =
        harness.label(
            c,
            c,
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            x,
            key,
            t);
    assertThat(out.receiver().outcome()).isEqualTo(PsiOutcome.WITHHELD);
    assertThat(out.receiver().labels()).isEmpty();
    assertThat(out.receiver().matchedRows()).isEmpty();
    assertThat(out.receiver().intersectionSize()).isEmpty();
    assertThat(out.sender().outcome()).isEqualTo(PsiOutcome.WITHHELD);
  }

  @Test
  void tableRoundTripsThroughItsSerializedForm() throws Exception {
    Random r = new Random(6);
    List<byte[]> pool = TestKeys.pool(r, 100);
    List<LabelRow> y = rows(pool, r);
    SenderTable t = table(y);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    t.writeTo(bytes, allocator);
    SenderTable loaded =
        SenderTable.readFrom(new ByteArrayInputStream(bytes.toByteArray()), allocator, 1000);
    assertThat(loaded.rows()).isEqualTo(100);
    assertThat(loaded.input()).isEqualTo(t.input());
    assertThat(loaded.keyColumns()).isEqualTo("id");
    assertThat(loaded.keyEpoch()).isEqualTo(EPOCH);
    assertThat(loaded.agreementId()).isEqualTo(AGREEMENT);
    assertThat(loaded.builtWith(key)).isTrue();
    assertThat(loaded.tags()).isEqualTo(t.tags());
    assertThat(loaded.ciphertexts()).isDeepEqualTo(t.ciphertexts());

    List<byte[]> x = pool.subList(50, 100);
    PsiConfig c = config(16).build();
    var out =
        harness.label(
            c,
            c,
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            x,
            key,
            loaded);
    assertThat(asStrings(out.receiver().labels())).isEqualTo(plainJoin(x, y));

    assertThatThrownBy(
            () ->
                SenderTable.readFrom(new ByteArrayInputStream(bytes.toByteArray()), allocator, 99))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA));
  }

  @Test
  void truncatedOrCorruptedTableFilesAreRefusedWithoutLeaking() throws Exception {
    long seed = EcdhPsiTest.seed();
    Random r = new Random(seed);
    SenderTable t = table(rows(TestKeys.pool(r, 300), r));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    t.writeTo(out, allocator);
    byte[] bytes = out.toByteArray();
    int refused = 0;
    int trials = Integer.getInteger("psi.tableTrials", 300);
    for (int trial = 0; trial < trials; trial++) {
      byte[] m;
      if (trial % 2 == 0) {
        m = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));
      } else {
        m = bytes.clone();
        // Half of the flips land in the schema and batch metadata at the front.
        int at = trial % 4 == 1 ? r.nextInt(Math.min(600, m.length)) : r.nextInt(m.length);
        m[at] ^= (byte) (1 + r.nextInt(255));
      }
      try {
        SenderTable loaded = SenderTable.readFrom(new ByteArrayInputStream(m), allocator, 1000);
        assertThat(loaded.rows()).isEqualTo(300);
      } catch (SluiceException e) {
        assertThat(e.code())
            .as("seed " + seed + ", trial " + trial)
            .isEqualTo(ErrorCode.INVALID_DATA);
        refused++;
      }
      assertThat(allocator.getAllocatedMemory()).as("seed " + seed + ", trial " + trial).isZero();
    }
    assertThat(refused).isGreaterThan(150);
  }

  @Test
  void senderRefusesTableOfAnotherKeyEpochOrAgreement() {
    SenderTable t = table(rows(TestKeys.pool(new Random(7), 5), new Random(7)));
    OprfPrivateKey other = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    for (Runnable make :
        List.<Runnable>of(
            () ->
                new LabelPsiSender(
                    config(4).build(),
                    pair.senderEnd(),
                    allocator,
                    harness.compute,
                    harness.random,
                    PsiProgress.NONE,
                    other,
                    t),
            () ->
                new LabelPsiSender(
                    config(4).keyEpoch("2026-12").build(),
                    pair.senderEnd(),
                    allocator,
                    harness.compute,
                    harness.random,
                    PsiProgress.NONE,
                    key,
                    t))) {
      assertThatThrownBy(make::run)
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void epochMismatchAbortsInTheHandshake() {
    SenderTable t = table(rows(TestKeys.pool(new Random(8), 5), new Random(8)));
    var out =
        harness.label(
            config(4).keyEpoch("2026-10").build(),
            config(4).build(),
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            List.of("x".getBytes(StandardCharsets.UTF_8)),
            key,
            t);
    assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);
    assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);
  }
}
