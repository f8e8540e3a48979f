package io.sluice.psi;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.crypto.h2c.P256HashToCurve;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 1,000 canary identifiers are planted in the sender's data and absent from the receiver's. Nothing
 * the sender sends may contain, as any 8-byte window, their raw bytes, their SHA-256, their X25519
 * hash-to-u value or their P-256 hash-to-curve point, nor their payloads.
 */
class PsiLeakTest {
  private static final int CANARIES = 1000;
  private static final int WINDOW = 8;
  private static final byte[] H2C_DST =
      "HashToGroup-OPRFV1-\0-P256-SHA256".getBytes(StandardCharsets.US_ASCII);

  private RootAllocator allocator;
  private PsiHarness harness;
  private final Random random = new Random(20261129);
  private final List<byte[]> canaries = new ArrayList<>();
  private final List<byte[]> canaryPayloads = new ArrayList<>();
  private final List<byte[]> senderKeys = new ArrayList<>();
  private final List<byte[]> receiverKeys = new ArrayList<>();

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
    harness = new PsiHarness();
    List<byte[]> shared = TestKeys.pool(random, 1500);
    for (int i = 0; i < CANARIES; i++) {
      canaries.add(
          TestKeys.encode("CANARY-" + i + "-" + Long.toHexString(random.nextLong()), "1970-01-01"));
      canaryPayloads.add(
          ("SECRET-PAYLOAD-" + i + "-" + Long.toHexString(random.nextLong()))
              .getBytes(StandardCharsets.UTF_8));
    }
    senderKeys.addAll(shared.subList(0, 1000));
    senderKeys.addAll(canaries);
    receiverKeys.addAll(shared.subList(500, 1500));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    harness.close();
    allocator.close();
  }

  private Set<Long> needles(byte[] x25519Dst) throws Exception {
    Set<Long> windows = new HashSet<>();
    for (int i = 0; i < CANARIES; i++) {
      byte[] key = canaries.get(i);
      addWindows(windows, key);
      addWindows(windows, MessageDigest.getInstance("SHA-256").digest(key));
      addWindows(windows, X25519Blinding.hashToGroup(x25519Dst, key));
      addWindows(windows, P256HashToCurve.hashToCurve(key, H2C_DST).getEncoded(true));
      addWindows(windows, P256HashToCurve.hashToCurve(key, H2C_DST).getEncoded(false));
      addWindows(windows, canaryPayloads.get(i));
    }
    return windows;
  }

  private static void addWindows(Set<Long> windows, byte[] b) {
    for (int i = 0; i + WINDOW <= b.length; i++) {
      windows.add(TagIndex.readLong(b, i));
    }
  }

  /** Offsets in {@code haystack} where an 8-byte window of a needle occurs. */
  private static List<Integer> hits(byte[] haystack, Set<Long> needles) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i + WINDOW <= haystack.length; i++) {
      if (needles.contains(TagIndex.readLong(haystack, i))) {
        out.add(i);
      }
    }
    return out;
  }

  private void assertNoCanaryIn(byte[] sent, Set<Long> needles) {
    assertThat(sent.length).isGreaterThan(CANARIES * 12);
    assertThat(hits(sent, needles)).isEmpty();
    // The scan can fail: a canary's hash placed in the traffic is found.
    ByteArrayOutputStream planted = new ByteArrayOutputStream();
    planted.writeBytes(sent);
    planted.writeBytes(X25519Blinding.hashToGroup(new byte[] {1}, canaries.get(0)));
    planted.writeBytes(canaries.get(CANARIES - 1));
    Set<Long> control = new HashSet<>(needles);
    addWindows(control, X25519Blinding.hashToGroup(new byte[] {1}, canaries.get(0)));
    assertThat(hits(planted.toByteArray(), control)).isNotEmpty();
  }

  @Test
  void ecdhSenderTrafficCarriesNoCanary() throws Exception {
    for (PsiMode mode : List.of(PsiMode.PSI, PsiMode.CARDINALITY)) {
      PsiConfig c =
          PsiConfig.builder(mode, "agreement-leak", "session-leak", "id").batchSize(256).build();
      var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults().recording());
      var out = harness.ecdh(c, pair, allocator, receiverKeys, senderKeys);
      assertThat(out.receiverError()).isNull();
      assertThat(out.receiver().intersectionSize()).hasValue(500);
      assertNoCanaryIn(pair.senderEnd().sentBytes(), needles(c.x25519Dst()));
    }
  }

  @Test
  void labelSenderTrafficCarriesNoCanaryNorItsPayload() throws Exception {
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    List<LabelRow> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      rows.add(new LabelRow(senderKeys.get(i), ("payload-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < CANARIES; i++) {
      rows.add(new LabelRow(canaries.get(i), canaryPayloads.get(i)));
    }
    SenderTable table =
        SenderTable.build(
            key,
            "agreement-leak",
            "e1",
            "id",
            rows.size(),
            rows.iterator(),
            harness.compute,
            harness.random);
    PsiConfig c =
        PsiConfig.builder(PsiMode.LABEL, "agreement-leak", "session-leak", "id")
            .keyEpoch("e1")
            .batchSize(256)
            .build();
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults().recording());
    var out = harness.label(c, c, pair, allocator, receiverKeys, key, table);
    assertThat(out.receiverError()).isNull();
    assertThat(out.receiver().labels()).hasSize(500);
    assertNoCanaryIn(pair.senderEnd().sentBytes(), needles(c.x25519Dst()));
  }
}
