package io.sluice.psi;

import static io.sluice.psi.EcdhPsiTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.crypto.h2c.Curve25519Reference;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.error.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each side can learn beyond the result, tested with curious and hostile peers written here:
 * the order of the sender's data, multiplicities, and the group the values on the wire lie in.
 * docs/privacy.md lists these properties; each test names the line it checks.
 */
class PsiDisclosureTest {
  /** Chi-square with 9 degrees of freedom at p = 0.001. */
  private static final double CHI2_9_AT_0_001 = 27.88;

  private static final int BINS = 10;

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
    allocator.close();
  }

  private static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Sorted keys, as a dataset sorted by its identifier would give them. */
  private static List<byte[]> sortedKeys(int n) {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add(String.format("ID%08d", i).getBytes(StandardCharsets.UTF_8));
    }
    return keys;
  }

  /**
   * privacy.md, psi: "not the order of the provider's rows". The receiver holds the first tenth of
   * a sorted sender set; over 20 sessions the positions at which its keys show up in the sender's
   * stream are uniform (chi-square), while the same positions without the shuffle are not.
   */
  @Test
  void matchPositionsInTheSendersStreamAreUniformForASortedInput() {
    List<byte[]> sender = sortedKeys(1000);
    List<byte[]> receiver = sender.subList(0, 100);
    long[] bins = new long[BINS];
    for (int session = 0; session < 20; session++) {
      PsiConfig config =
          PsiConfig.builder(PsiMode.PSI, "agreement-order", "session-" + session, "id")
              .batchSize(128)
              .build();
      List<Integer> positions =
          new CuriousReceiver(config).matchPositions(receiver, sender, seeded(session));
      assertThat(positions).hasSize(100);
      positions.forEach(p -> bins[p * BINS / sender.size()]++);
    }
    assertThat(chiSquare(bins))
        .as("chi-square of %s", java.util.Arrays.toString(bins))
        .isLessThan(CHI2_9_AT_0_001);
    // The threshold has the power to see the order a sorted sender would give away: the first
    // 100 positions of every session (with the permutation disabled the test fails this way).
    long[] unshuffled = new long[BINS];
    unshuffled[0] = 2000;
    assertThat(chiSquare(unshuffled)).isGreaterThan(CHI2_9_AT_0_001);
  }

  /**
   * privacy.md, psi-cardinality: "not which of its keys matched". The receiver submits 1,000 keys
   * of which the first 100 are the sender's; the positions of the matching tags among the sender's
   * replies are uniform (the sender shuffles the replies), not the first 100.
   */
  @Test
  void cardinalityRepliesArriveInAnOrderUnrelatedToTheReceiversKeys() {
    List<byte[]> receiver = sortedKeys(1000);
    List<byte[]> sender = receiver.subList(0, 100);
    long[] bins = new long[BINS];
    for (int session = 0; session < 20; session++) {
      PsiConfig config =
          PsiConfig.builder(PsiMode.CARDINALITY, "agreement-order", "session-" + session, "id")
              .batchSize(100) // ten batches: the shuffle must span them, not stay within one
              .build();
      List<Integer> positions =
          new CuriousReceiver(config).matchedReplyPositions(receiver, sender, seeded(session));
      assertThat(positions).hasSize(100);
      positions.forEach(p -> bins[p * BINS / receiver.size()]++);
    }
    assertThat(chiSquare(bins))
        .as("chi-square of %s", java.util.Arrays.toString(bins))
        .isLessThan(CHI2_9_AT_0_001);
  }

  /** privacy.md, psi-label: "not the order of the provider's rows" (table positions). */
  @Test
  void matchPositionsInTheLabelTableAreUniformForASortedInput() {
    List<byte[]> sender = sortedKeys(1000);
    long[] bins = new long[BINS];
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, seeded(99));
    OprfServer server = new OprfServer(key);
    for (int table = 0; table < 20; table++) {
      List<LabelRow> rows = new ArrayList<>();
      sender.forEach(k -> rows.add(new LabelRow(k, new byte[] {1})));
      SenderTable t =
          SenderTable.build(
              key,
              "agreement-order",
              "e" + table,
              "id",
              rows.size(),
              rows.iterator(),
              harness.compute,
              seeded(table));
      PsiConfig ids =
          PsiConfig.builder(PsiMode.LABEL, "agreement-order", "x", "id")
              .keyEpoch("e" + table)
              .build();
      LabelCrypto crypto = new LabelCrypto("agreement-order", "e" + table, ids.keyBinding());
      Set<ByteBuffer> wanted = new HashSet<>();
      for (byte[] k : sender.subList(0, 100)) {
        byte[] tag = new byte[PsiConfig.TAG_LENGTH];
        crypto.tag(server.evaluateAll(List.of(k)).get(0), tag, 0);
        wanted.add(ByteBuffer.wrap(tag));
      }
      for (int p = 0; p < t.rows(); p++) {
        ByteBuffer tag = ByteBuffer.wrap(t.tags(), p * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH);
        if (wanted.contains(tag.slice())) {
          bins[p * BINS / t.rows()]++;
        }
      }
    }
    assertThat(java.util.Arrays.stream(bins).sum()).isEqualTo(2000);
    assertThat(chiSquare(bins))
        .as("chi-square of %s", java.util.Arrays.toString(bins))
        .isLessThan(CHI2_9_AT_0_001);
  }

  /**
   * privacy.md, psi-label: "not how often a key occurs, not how long a value is". Every sealed
   * entry of a table has one length, whatever the multiplicity of its key and its payloads' sizes,
   * and there is one entry per distinct key.
   */
  @Test
  void labelEntriesHideMultiplicityAndPayloadLength() {
    Random r = new Random(8);
    List<LabelRow> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
      for (int copies = 0; copies <= i % 4; copies++) {
        byte[] payload = new byte[r.nextInt(30)];
        r.nextBytes(payload);
        rows.add(new LabelRow(k, payload));
      }
    }
    rows.add(new LabelRow(null, new byte[] {9}));
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    SenderTable t =
        SenderTable.build(
            key,
            "agreement-x",
            "e",
            "id",
            rows.size(),
            rows.iterator(),
            harness.compute,
            new SecureRandom());
    assertThat(t.rows()).isEqualTo(50);
    assertThat(t.input()).isEqualTo(new PsiInput(rows.size(), 1, 50));
    Set<Integer> lengths = new HashSet<>();
    for (byte[] ct : t.ciphertexts()) {
      lengths.add(ct.length);
    }
    assertThat(lengths).hasSize(1);
  }

  /**
   * privacy.md, psi-cardinality: "a receiver that submits a key several times is refused". A
   * hostile receiver that skips our own deduplication and submits key i exactly i times is stopped
   * by the sender before any reply or sender value leaves it.
   */
  @Test
  void cardinalitySenderRefusesAReceiverThatSubmitsAKeyTwice() {
    List<byte[]> pool = sortedKeys(6);
    List<byte[]> submitted = new ArrayList<>();
    for (int i = 0; i < pool.size(); i++) {
      for (int copy = 0; copy <= i; copy++) {
        submitted.add(pool.get(i));
      }
    }
    PsiConfig config =
        PsiConfig.builder(PsiMode.CARDINALITY, "agreement-dup", "session-dup", "id")
            .batchSize(64)
            .build();
    InMemoryPsiChannel.Pair pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    EcdhPsiSender sender =
        new EcdhPsiSender(
            config, pair.senderEnd(), allocator, harness.compute, harness.random, PsiProgress.NONE);
    ScriptedPeer hostile = new ScriptedPeer(pair.receiverEnd());
    List<FrameType> received = new CopyOnWriteArrayList<>();
    var out =
        harness.run(
            () -> {
              hostile.send(FrameType.HELLO, Handshake.of(config, submitted.size()).encode());
              received.add(hostile.receive().type());
              try (X25519Blinding a = X25519Blinding.newSession(new SecureRandom())) {
                byte[] packed =
                    Parallel.join(
                        X25519Work.hashAndBlind(
                            harness.compute,
                            a,
                            config.x25519Dst(),
                            submitted::get,
                            submitted.size()));
                hostile.send(
                    FrameType.BLINDED,
                    ArrowFrames.writeElements(allocator, packed, submitted.size(), 32));
              }
              hostile.send(FrameType.END, Control.end(FrameType.BLINDED, submitted.size()));
              Frame next = hostile.receive();
              received.add(next.type());
              hostile.close();
              return Control.decodeCancel(next.payload()).code();
            },
            () -> sender.run(pool.size(), pool.iterator()));
    assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);
    assertThat(out.receiver()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION.number());
    assertThat(received).containsExactly(FrameType.HELLO, FrameType.CANCEL);
  }

  /**
   * privacy.md, psi-cardinality: "the count, not which keys". An honest receiver with key i
   * repeated i times gets exactly the number of distinct common keys, and the sender saw only the
   * number of distinct keys.
   */
  @Test
  void repeatingKeysTellTheCardinalityReceiverNothingMore() {
    List<byte[]> pool = sortedKeys(8);
    List<byte[]> x = new ArrayList<>();
    for (int i = 0; i < pool.size(); i++) {
      for (int copy = 0; copy <= i; copy++) {
        x.add(pool.get(i));
      }
    }
    List<byte[]> y = List.of(pool.get(1), pool.get(4), pool.get(6));
    PsiConfig config =
        PsiConfig.builder(PsiMode.CARDINALITY, "agreement-dup", "s", "id").batchSize(5).build();
    var out =
        harness.ecdh(
            config,
            InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults()),
            allocator,
            x,
            y);
    assertThat(out.receiver().intersectionSize()).hasValue(3);
    assertThat(out.receiver().matchedRows()).isEmpty();
    assertThat(out.sender().receiverKeys()).isEqualTo(8);
  }

  /**
   * privacy.md, all X25519 modes: "every value on the wire lies in the prime-order subgroup". Every
   * 32-byte value either party sends in psi and psi-cardinality is a point of curve25519 (never its
   * twist) of prime order.
   */
  @Test
  void everyX25519ValueOnTheWireLiesInThePrimeOrderSubgroup() {
    List<byte[]> keys = sortedKeys(40);
    for (PsiMode mode : List.of(PsiMode.PSI, PsiMode.CARDINALITY)) {
      List<byte[]> values = new CopyOnWriteArrayList<>();
      InMemoryPsiChannel.Tap collect =
          (index, encoded) -> {
            Frame frame = Frame.decode(encoded, PsiConfig.DEFAULT_MAX_FRAME_BYTES);
            if (frame.type() == FrameType.BLINDED || frame.type() == FrameType.SENDER_SET) {
              byte[] e = ArrowFrames.readElements(allocator, frame.payload(), 32, 1 << 16);
              for (int i = 0; i < e.length; i += 32) {
                values.add(java.util.Arrays.copyOfRange(e, i, i + 32));
              }
            }
            return List.of(encoded);
          };
      InMemoryPsiChannel.Options options =
          InMemoryPsiChannel.Options.defaults().withTaps(collect, collect);
      PsiConfig config = PsiConfig.builder(mode, "agreement-w", "s", "id").batchSize(16).build();
      var out =
          harness.ecdh(
              config,
              InMemoryPsiChannel.pair(options),
              allocator,
              keys.subList(0, 30),
              keys.subList(10, 40));
      assertThat(out.receiverError()).isNull();
      assertThat(values).hasSize(60);
      for (byte[] v : values) {
        assertThat(X25519Blinding.isOnCurve(v)).isTrue();
        assertThat(Curve25519Reference.inPrimeOrderSubgroup(v)).isTrue();
      }
    }
  }

  private static double chiSquare(long[] bins) {
    long total = java.util.Arrays.stream(bins).sum();
    double expected = (double) total / bins.length;
    double chi = 0;
    for (long b : bins) {
      chi += (b - expected) * (b - expected) / expected;
    }
    return chi;
  }

  /**
   * A receiver that follows the psi protocol with its own scalar but also records the position in
   * the sender's stream at which each of its keys matched: what a curious receiver can see.
   */
  private final class CuriousReceiver {
    private final PsiConfig config;

    CuriousReceiver(PsiConfig config) {
      this.config = config;
    }

    List<Integer> matchPositions(
        List<byte[]> receiverKeys, List<byte[]> senderKeys, SecureRandom senderRandom) {
      return run(receiverKeys, senderKeys, senderRandom).senderPositions();
    }

    List<Integer> matchedReplyPositions(
        List<byte[]> receiverKeys, List<byte[]> senderKeys, SecureRandom senderRandom) {
      return run(receiverKeys, senderKeys, senderRandom).replyPositions();
    }

    private Seen run(List<byte[]> receiverKeys, List<byte[]> senderKeys, SecureRandom random) {
      InMemoryPsiChannel.Pair pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
      EcdhPsiSender sender =
          new EcdhPsiSender(
              config, pair.senderEnd(), allocator, harness.compute, random, PsiProgress.NONE);
      var out =
          harness.run(
              () -> play(new ScriptedPeer(pair.receiverEnd()), receiverKeys),
              () -> sender.run(senderKeys.size(), senderKeys.iterator()));
      assertThat(out.senderError()).isNull();
      assertThat(out.receiverError()).isNull();
      return out.receiver();
    }

    /** Where matches showed: positions in the sender's own stream, and among the replies. */
    private record Seen(List<Integer> senderPositions, List<Integer> replyPositions) {}

    private Seen play(ScriptedPeer peer, List<byte[]> keys) {
      int n = keys.size();
      peer.send(FrameType.HELLO, Handshake.of(config, n).encode());
      long senderKeys = Handshake.decode(peer.receive().payload()).rowCount();
      java.util.Map<ByteBuffer, Integer> replies = new java.util.HashMap<>();
      try (X25519Blinding a = X25519Blinding.newSession(new SecureRandom())) {
        byte[] packed =
            Parallel.join(
                X25519Work.hashAndBlind(harness.compute, a, config.x25519Dst(), keys::get, n));
        for (int from = 0; from < n; from += config.batchSize()) {
          int rows = Math.min(config.batchSize(), n - from);
          byte[] part = java.util.Arrays.copyOfRange(packed, from * 32, (from + rows) * 32);
          peer.send(FrameType.BLINDED, ArrowFrames.writeElements(allocator, part, rows, 32));
          if (config.mode() == PsiMode.PSI) {
            addReplies(replies, peer.receive());
          }
        }
        if (config.mode() == PsiMode.PSI) {
          peer.send(FrameType.END, Control.end(FrameType.BLINDED, n));
          peer.receive(); // END of the replies
        } else {
          peer.send(FrameType.END, Control.end(FrameType.BLINDED, n));
          for (Frame f = peer.receive(); f.type() != FrameType.END; f = peer.receive()) {
            addReplies(replies, f);
          }
        }
        List<Integer> senderPositions = new ArrayList<>();
        List<Integer> replyPositions = new ArrayList<>();
        int position = 0;
        for (Frame f = peer.receive(); f.type() != FrameType.END; f = peer.receive()) {
          byte[] e = ArrowFrames.readElements(allocator, f.payload(), 32, config.batchSize());
          byte[] seen = Parallel.join(X25519Work.blindToTags(harness.compute, a, e));
          for (int i = 0; i < e.length / 32; i++, position++) {
            Integer reply =
                replies.get(
                    ByteBuffer.wrap(seen, i * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH).slice());
            if (reply != null) {
              senderPositions.add(position);
              replyPositions.add(reply);
            }
          }
        }
        assertThat(position).isEqualTo((int) senderKeys);
        peer.send(FrameType.RESULT, Control.result(PsiOutcome.RELEASED, ""));
        peer.close();
        return new Seen(senderPositions, replyPositions);
      }
    }

    private void addReplies(java.util.Map<ByteBuffer, Integer> replies, Frame f) {
      byte[] tags =
          ArrowFrames.readElements(
              allocator, f.payload(), PsiConfig.TAG_LENGTH, config.batchSize());
      for (int i = 0; i < tags.length / PsiConfig.TAG_LENGTH; i++) {
        replies.put(
            ByteBuffer.wrap(tags, i * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH).slice(),
            replies.size());
      }
    }
  }
}
