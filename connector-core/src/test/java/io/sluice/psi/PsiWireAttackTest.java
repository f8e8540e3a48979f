package io.sluice.psi;

import static io.sluice.psi.EcdhPsiTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.crypto.oprf.OprfClient;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.error.ErrorCode;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.RootAllocator;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a misbehaving or broken peer sends, and that the honest side stops with the right typed
 * error (and tells the peer, whose CANCEL carries the code).
 */
class PsiWireAttackTest {
  private static final int BATCH = 4;
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

  private static PsiConfig psi() {
    return PsiConfig.builder(PsiMode.PSI, "agreement-1", "session-1", "id")
        .batchSize(BATCH)
        .maxInFlightBatches(2)
        .build();
  }

  private static PsiConfig label() {
    return PsiConfig.builder(PsiMode.LABEL, "agreement-1", "session-1", "id")
        .keyEpoch("e1")
        .batchSize(BATCH)
        .build();
  }

  private static List<byte[]> keys(int n) {
    return TestKeys.pool(new Random(n), n);
  }

  private static InMemoryPsiChannel.Pair pair() {
    return InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
  }

  /** Distinct u-coordinates flagged LowOrderPublic in Wycheproof's x25519 vectors. */
  static List<byte[]> lowOrderPoints() {
    JsonNode doc = TestVectors.json("wycheproof/x25519_test.json");
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode group : doc.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        for (JsonNode f : t.get("flags")) {
          if (f.asText().equals("LowOrderPublic")) {
            out.add(t.get("public").asText());
          }
        }
      }
    }
    assertThat(out).hasSizeGreaterThan(10);
    return out.stream().map(Hex::decode).toList();
  }

  private byte[] validX25519Element(int i) {
    try (X25519Blinding b = X25519Blinding.newSession(new SecureRandom())) {
      return b.hashAndBlind(new byte[] {1}, new byte[] {(byte) i});
    }
  }

  private byte[] elementBatch(List<byte[]> elements, int width) {
    byte[] packed = new byte[elements.size() * width];
    for (int i = 0; i < elements.size(); i++) {
      System.arraycopy(elements.get(i), 0, packed, i * width, width);
    }
    return ArrowFrames.writeElements(allocator, packed, elements.size(), width);
  }

  private EcdhPsiSender sender(PsiConfig c, PsiChannel ch) {
    return new EcdhPsiSender(c, ch, allocator, harness.compute, harness.random, PsiProgress.NONE);
  }

  private EcdhPsiReceiver receiver(PsiConfig c, PsiChannel ch) {
    return new EcdhPsiReceiver(c, ch, allocator, harness.compute, harness.random, PsiProgress.NONE);
  }

  @Test
  void senderRejectsEveryLowOrderAndNonCanonicalPointWithInvalidPoint() {
    List<byte[]> bad = new ArrayList<>(lowOrderPoints());
    byte[] bit255 = validX25519Element(7);
    bit255[31] |= (byte) 0x80; // same point with bit 255 set: not canonical
    bad.add(bit255);
    for (byte[] u : bad) {
      var p = pair();
      ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
      List<byte[]> y = keys(3);
      var out =
          harness.run(
              () -> {
                peer.send(FrameType.HELLO, Handshake.of(psi(), 3).encode());
                peer.receive(); // HELLO
                peer.send(
                    FrameType.BLINDED,
                    elementBatch(List.of(validX25519Element(1), u, validX25519Element(2)), 32));
                return peer.awaitCancel();
              },
              () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
      assertCode(out.senderError(), ErrorCode.INVALID_POINT);
      assertThat(out.receiver()).as(Hex.toHexString(u)).isEqualTo(ErrorCode.INVALID_POINT.number());
    }
  }

  @Test
  void receiverRejectsLowOrderPointsInTheSenderSet() {
    for (byte[] u : lowOrderPoints().subList(0, 4)) {
      var p = pair();
      ScriptedPeer peer = new ScriptedPeer(p.senderEnd());
      List<byte[]> x = keys(3);
      var out =
          harness.run(
              () -> receiver(psi(), p.receiverEnd()).run(x.size(), x.iterator()),
              () -> {
                peer.receive(); // HELLO
                peer.send(FrameType.HELLO, Handshake.of(psi(), 2).encode());
                peer.receive(); // BLINDED of 3 rows
                peer.send(
                    FrameType.REPLY,
                    elementBatch(List.of(new byte[12], new byte[12], new byte[12]), 12));
                peer.receive(); // END
                peer.send(FrameType.END, Control.end(FrameType.REPLY, 3));
                peer.send(
                    FrameType.SENDER_SET, elementBatch(List.of(validX25519Element(3), u), 32));
                peer.send(FrameType.END, Control.end(FrameType.SENDER_SET, 2));
                return peer.awaitCancel();
              });
      assertCode(out.receiverError(), ErrorCode.INVALID_POINT);
      assertThat(out.sender()).isEqualTo(ErrorCode.INVALID_POINT.number());
    }
  }

  @Test
  void labelSenderRejectsInvalidP256Elements() {
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    SenderTable table =
        SenderTable.build(
            key,
            "agreement-1",
            "e1",
            "id",
            1,
            List.of(new LabelRow(new byte[] {1}, new byte[] {2})).iterator(),
            harness.compute,
            harness.random);
    byte[] valid =
        new OprfClient(OprfSuite.P256_SHA256, new SecureRandom())
            .blind(new byte[] {9})
            .blindedElement();
    byte[] uncompressedPrefix = valid.clone();
    uncompressedPrefix[0] = 0x04;
    byte[] xTooLarge = new byte[33];
    java.util.Arrays.fill(xTooLarge, (byte) 0xff);
    xTooLarge[0] = 0x02;
    byte[] zeros = new byte[33];
    for (byte[] bad : List.of(uncompressedPrefix, xTooLarge, zeros, notOnCurve())) {
      var p = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
      ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
      var out =
          harness.run(
              () -> {
                peer.send(FrameType.HELLO, Handshake.of(label(), 2).encode());
                peer.receive();
                peer.send(FrameType.BLINDED, elementBatch(List.of(valid, bad), 33));
                return peer.awaitCancel();
              },
              () ->
                  new LabelPsiSender(
                          label(),
                          p.senderEnd(),
                          allocator,
                          harness.compute,
                          harness.random,
                          PsiProgress.NONE,
                          key,
                          table)
                      .run());
      assertCode(out.senderError(), ErrorCode.INVALID_POINT);
      assertThat(out.receiver()).isEqualTo(ErrorCode.INVALID_POINT.number());
    }
  }

  /** A compressed encoding whose x has no curve point. */
  private static byte[] notOnCurve() {
    var curve = io.sluice.crypto.group.P256Group.instance().curve();
    for (int x = 1; ; x++) {
      byte[] e = new byte[33];
      e[0] = 0x02;
      e[32] = (byte) x;
      try {
        curve.decodePoint(e);
      } catch (IllegalArgumentException notAPoint) {
        return e;
      }
    }
  }

  @Test
  void labelReceiverRejectsInvalidEvaluatedElements() {
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    List<LabelRow> rows = List.of(new LabelRow(new byte[] {1}, new byte[] {2}));
    SenderTable table =
        SenderTable.build(
            key, "agreement-1", "e1", "id", 1, rows.iterator(), harness.compute, harness.random);
    InMemoryPsiChannel.Tap corruptFirstReply =
        (index, encoded) -> {
          Frame f = Frame.decode(encoded, Integer.MAX_VALUE);
          if (f.type() != FrameType.REPLY) {
            return List.of(encoded);
          }
          byte[] elements = ArrowFrames.readElements(allocator, f.payload(), 33, BATCH);
          elements[0] = 0x04;
          byte[] payload = ArrowFrames.writeElements(allocator, elements, elements.length / 33, 33);
          return List.of(new Frame(f.type(), f.sequence(), payload).encode());
        };
    var p =
        InMemoryPsiChannel.pair(
            InMemoryPsiChannel.Options.defaults()
                .withTaps(InMemoryPsiChannel.Tap.NONE, corruptFirstReply));
    List<byte[]> x = keys(3);
    var out = harness.label(label(), label(), p, allocator, x, key, table);
    assertCode(out.receiverError(), ErrorCode.INVALID_POINT);
    assertCode(out.senderError(), ErrorCode.PEER_ABORTED);
  }

  private void assertReceiverTapFailsSender(InMemoryPsiChannel.Tap tap, ErrorCode senderCode) {
    var p =
        InMemoryPsiChannel.pair(
            InMemoryPsiChannel.Options.defaults().withTaps(tap, InMemoryPsiChannel.Tap.NONE));
    List<byte[]> x = keys(10);
    var out = harness.ecdh(psi(), p, allocator, x, keys(6));
    assertCode(out.senderError(), senderCode);
    assertCode(out.receiverError(), ErrorCode.PEER_ABORTED);
  }

  @Test
  void replayedFrameIsAProtocolViolation() {
    assertReceiverTapFailsSender(
        (i, b) -> i == 1 ? List.of(b, b) : List.of(b), ErrorCode.PROTOCOL_VIOLATION);
  }

  @Test
  void reorderedFramesAreAProtocolViolation() {
    AtomicReference<byte[]> held = new AtomicReference<>();
    assertReceiverTapFailsSender(
        (i, b) -> {
          if (i == 1) {
            held.set(b);
            return List.of();
          }
          return i == 2 ? List.of(b, held.get()) : List.of(b);
        },
        ErrorCode.PROTOCOL_VIOLATION);
  }

  @Test
  void droppedFrameIsAProtocolViolation() {
    assertReceiverTapFailsSender(
        (i, b) -> i == 1 ? List.of() : List.of(b), ErrorCode.PROTOCOL_VIOLATION);
  }

  @Test
  void corruptedFrameHeaderOrBodyIsMalformed() {
    assertReceiverTapFailsSender(
        (i, b) -> {
          if (i == 1) {
            b[0] = 9; // version
          }
          return List.of(b);
        },
        ErrorCode.MALFORMED_MESSAGE);
    assertReceiverTapFailsSender(
        (i, b) -> {
          if (i == 1) {
            b[Frame.HEADER_LENGTH + 4] ^= 0x40; // Arrow metadata length
          }
          return List.of(b);
        },
        ErrorCode.MALFORMED_MESSAGE);
  }

  @Test
  void wrongElementLengthIsMalformed() {
    var p = pair();
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.HELLO, Handshake.of(psi(), 2).encode());
              peer.receive();
              peer.send(FrameType.BLINDED, elementBatch(List.of(new byte[31], new byte[31]), 31));
              return peer.awaitCancel();
            },
            () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.MALFORMED_MESSAGE);
    assertThat(out.receiver()).isEqualTo(ErrorCode.MALFORMED_MESSAGE.number());
  }

  @Test
  void inconsistentCountsAreProtocolViolations() {
    // More rows than announced.
    var p = pair();
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.HELLO, Handshake.of(psi(), 1).encode());
              peer.receive();
              peer.send(
                  FrameType.BLINDED,
                  elementBatch(List.of(validX25519Element(1), validX25519Element(2)), 32));
              return peer.awaitCancel();
            },
            () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);

    // END that disagrees with what was sent.
    var p2 = pair();
    ScriptedPeer peer2 = new ScriptedPeer(p2.receiverEnd());
    var out2 =
        harness.run(
            () -> {
              peer2.send(FrameType.HELLO, Handshake.of(psi(), 2).encode());
              peer2.receive();
              peer2.send(FrameType.BLINDED, elementBatch(List.of(validX25519Element(1)), 32));
              peer2.receive(); // REPLY
              peer2.send(FrameType.END, Control.end(FrameType.BLINDED, 2));
              return peer2.awaitCancel();
            },
            () -> sender(psi(), p2.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out2.senderError(), ErrorCode.PROTOCOL_VIOLATION);

    // A reply batch shorter than the blinded batch it answers.
    InMemoryPsiChannel.Tap shortReply =
        (i, b) -> {
          Frame f = Frame.decode(b, Integer.MAX_VALUE);
          if (f.type() != FrameType.REPLY || f.sequence() != 1) {
            return List.of(b);
          }
          byte[] tags = ArrowFrames.readElements(allocator, f.payload(), 12, BATCH);
          int rows = tags.length / 12 - 1;
          byte[] payload = ArrowFrames.writeElements(allocator, tags, rows, 12);
          return List.of(new Frame(f.type(), f.sequence(), payload).encode());
        };
    var p3 =
        InMemoryPsiChannel.pair(
            InMemoryPsiChannel.Options.defaults()
                .withTaps(InMemoryPsiChannel.Tap.NONE, shortReply));
    var out3 = harness.ecdh(psi(), p3, allocator, keys(5), keys(5));
    assertCode(out3.receiverError(), ErrorCode.PROTOCOL_VIOLATION);
    assertCode(out3.senderError(), ErrorCode.PEER_ABORTED);
  }

  @Test
  void truncatedStreamsAreReportedAsTruncated() {
    var p = pair();
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.HELLO, Handshake.of(psi(), 8).encode());
              peer.receive();
              peer.send(FrameType.BLINDED, elementBatch(List.of(validX25519Element(1)), 32));
              peer.close();
              return 0;
            },
            () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.STREAM_TRUNCATED);

    var p2 = pair();
    ScriptedPeer peer2 = new ScriptedPeer(p2.senderEnd());
    List<byte[]> x = keys(3);
    var out2 =
        harness.run(
            () -> receiver(psi(), p2.receiverEnd()).run(x.size(), x.iterator()),
            () -> {
              peer2.receive();
              peer2.send(FrameType.HELLO, Handshake.of(psi(), 5).encode());
              peer2.close();
              return 0;
            });
    assertCode(out2.receiverError(), ErrorCode.STREAM_TRUNCATED);
  }

  @Test
  void frameLargerThanTheMaximumIsResourceExhausted() {
    var p =
        InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults().withMaxFrameBytes(64 << 10));
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.HELLO, Handshake.of(psi(), 4).encode());
              peer.receive();
              peer.send(FrameType.BLINDED, new byte[128 << 10]);
              return peer.awaitCancel();
            },
            () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.RESOURCE_EXHAUSTED);
    assertThat(out.receiver()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED.number());
  }

  @Test
  void silentPeerHitsTheDeadline() {
    var p = pair();
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    PsiConfig quick =
        PsiConfig.builder(PsiMode.PSI, "agreement-1", "session-1", "id")
            .batchSize(BATCH)
            .receiveTimeout(Duration.ofMillis(200))
            .build();
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.HELLO, Handshake.of(quick, 4).encode());
              return peer.awaitCancel();
            },
            () -> sender(quick, p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.DEADLINE_EXCEEDED);
    assertThat(out.receiver()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED.number());
  }

  @Test
  void unexpectedFrameTypeIsAProtocolViolation() {
    var p = pair();
    ScriptedPeer peer = new ScriptedPeer(p.receiverEnd());
    List<byte[]> y = keys(3);
    var out =
        harness.run(
            () -> {
              peer.send(FrameType.SENDER_SET, new byte[0]);
              return peer.awaitCancel();
            },
            () -> sender(psi(), p.senderEnd()).run(y.size(), y.iterator()));
    assertCode(out.senderError(), ErrorCode.PROTOCOL_VIOLATION);
    assertThat(out.receiver()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION.number());
  }
}
