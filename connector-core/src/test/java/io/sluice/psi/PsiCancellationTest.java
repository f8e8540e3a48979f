package io.sluice.psi;

import static io.sluice.psi.EcdhPsiTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.error.ErrorCode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cancel on either side, mid-session, stops both with CANCELLED and leaves no Arrow buffer behind
 * (the allocator closes clean in tearDown). The cancel is triggered from a progress callback, so it
 * lands at a known point without waiting on time.
 */
class PsiCancellationTest {
  private RootAllocator allocator;
  private PsiHarness harness;
  private final List<byte[]> keys = TestKeys.pool(new Random(11), 400);

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
    harness = new PsiHarness();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    harness.close();
    assertThat(allocator.getAllocatedMemory()).isZero();
    allocator.close();
  }

  private static PsiConfig config(PsiMode mode) {
    return PsiConfig.builder(mode, "agreement-c", "session-c", "id")
        .keyEpoch(mode == PsiMode.LABEL ? "e1" : "")
        .batchSize(16)
        .maxInFlightBatches(2)
        .build();
  }

  /** Cancels the party in {@code target} once {@code stage} reaches {@code rows}. */
  private static PsiProgress cancelAt(
      AtomicReference<Party> target, PsiProgress.Stage stage, long rows) {
    return (s, n) -> {
      if (s == stage && n >= rows) {
        target.get().cancel();
      }
    };
  }

  private void runEcdh(PsiMode mode, boolean receiverCancels, PsiProgress.Stage stage) {
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    AtomicReference<Party> target = new AtomicReference<>();
    PsiProgress trigger = cancelAt(target, stage, 32);
    EcdhPsiReceiver r =
        new EcdhPsiReceiver(
            config(mode),
            pair.receiverEnd(),
            allocator,
            harness.compute,
            harness.random,
            receiverCancels ? trigger : PsiProgress.NONE);
    EcdhPsiSender s =
        new EcdhPsiSender(
            config(mode),
            pair.senderEnd(),
            allocator,
            harness.compute,
            harness.random,
            receiverCancels ? PsiProgress.NONE : trigger);
    target.set(receiverCancels ? r : s);
    var out =
        harness.run(
            () -> r.run(keys.size(), keys.iterator()), () -> s.run(keys.size(), keys.iterator()));
    assertCode(out.receiverError(), ErrorCode.CANCELLED);
    assertCode(out.senderError(), ErrorCode.CANCELLED);
  }

  @Test
  void receiverCancelStopsBothSides() {
    runEcdh(PsiMode.PSI, true, PsiProgress.Stage.SENT);
    runEcdh(PsiMode.PSI, true, PsiProgress.Stage.RECEIVED);
    runEcdh(PsiMode.CARDINALITY, true, PsiProgress.Stage.SENT);
  }

  @Test
  void senderCancelStopsBothSides() {
    runEcdh(PsiMode.PSI, false, PsiProgress.Stage.RECEIVED);
    runEcdh(PsiMode.PSI, false, PsiProgress.Stage.SENT);
    runEcdh(PsiMode.CARDINALITY, false, PsiProgress.Stage.RECEIVED);
  }

  @Test
  void labelCancelOnEitherSideStopsBoth() {
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    List<LabelRow> rows = new ArrayList<>();
    keys.forEach(k -> rows.add(new LabelRow(k, new byte[] {1, 2, 3})));
    SenderTable table =
        SenderTable.build(
            key,
            "agreement-c",
            "e1",
            "id",
            rows.size(),
            rows.iterator(),
            harness.compute,
            harness.random);
    for (boolean receiverCancels : new boolean[] {true, false}) {
      var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
      AtomicReference<Party> target = new AtomicReference<>();
      PsiProgress trigger = cancelAt(target, PsiProgress.Stage.SENT, 32);
      LabelPsiReceiver r =
          new LabelPsiReceiver(
              config(PsiMode.LABEL),
              pair.receiverEnd(),
              allocator,
              harness.compute,
              harness.random,
              receiverCancels ? trigger : PsiProgress.NONE);
      LabelPsiSender s =
          new LabelPsiSender(
              config(PsiMode.LABEL),
              pair.senderEnd(),
              allocator,
              harness.compute,
              harness.random,
              receiverCancels ? PsiProgress.NONE : trigger,
              key,
              table);
      target.set(receiverCancels ? r : s);
      var out = harness.run(() -> r.run(keys.size(), keys.iterator()), s::run);
      assertCode(out.receiverError(), ErrorCode.CANCELLED);
      assertCode(out.senderError(), ErrorCode.CANCELLED);
    }
  }
}
