package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditLogConfig;
import io.sluice.audit.EventType;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.HeadIssuer;
import io.sluice.audit.HeadWitness;
import io.sluice.audit.PeerHeadStore;
import io.sluice.audit.TreeHeadSigner;
import io.sluice.audit.merkle.LeafHashes;
import io.sluice.audit.merkle.MerkleTree;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.TestAuthority;
import io.sluice.node.audit.SignedHeads;
import io.sluice.proto.v1.AuditHeads;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.NoticeAck;
import io.sluice.proto.v1.SignedHead;
import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The head exchange at a computation's end against a hostile peer that scripts its messages: a head
 * that is not the peer's, a malformed head, an oversized proof, a message out of turn, a claim to
 * hold a head we never gave it — none is held, none makes this node prove or sign what it did not
 * hand out.
 */
class HeadExchangeTest {
  @TempDir Path dir;
  @RegisterExtension final TestDatabases.Store stores = TestDatabases.sqlite();

  TestAuthority.Issued fund;
  TestAuthority.Issued mallory;
  Database db;
  AuditLog log;
  HeadWitness witness;
  HeadExchange exchange;
  final List<byte[]> peerLeaves = new ArrayList<>();
  final MerkleTree peerTree = new MerkleTree(LeafHashes.of(peerLeaves));

  @BeforeEach
  void open() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    TestAuthority.Issued insurer = ca.issue("insurer-a", List.of("commercial-insurer"), Map.of());
    fund = ca.issue("fund", List.of("medical-insurance-fund"), Map.of());
    mallory = ca.issue("mallory", List.of("commercial-insurer"), Map.of());
    db = stores.open();
    Clock clock = Clock.systemUTC();
    log =
        AuditLog.open(
            db,
            new TreeHeadSigner(insurer.key(), insurer.certificate()),
            AuditLogConfig.defaults().withSignInterval(Duration.ofHours(1)),
            clock);
    log.append(
            AuditEvent.builder(EventType.NODE_STARTED)
                .time(Instant.now())
                .actor("insurer-a")
                .build())
        .join();
    log.signHead().join();
    PeerHeadStore store = new PeerHeadStore(db);
    witness = new HeadWitness(store, log, ca.trust(), "insurer-a", clock);
    exchange = new HeadExchange(new HeadIssuer(store, log, clock), witness, insurer.certificate());
    for (int i = 0; i < 40; i++) {
      peerLeaves.add(new TreeHasher().hashLeaf(new byte[] {(byte) i}));
    }
  }

  @AfterEach
  void close() {
    log.close();
  }

  /** A peer that answers with the messages it was given and records what it got. */
  static final class Scripted implements ControlChannel {
    final Deque<ComputeMessage> answers = new ArrayDeque<>();
    final List<ComputeMessage> sent = new ArrayList<>();

    Scripted answer(ComputeMessage m) {
      answers.add(m);
      return this;
    }

    @Override
    public void sendControl(ComputeMessage message) {
      sent.add(message);
    }

    @Override
    public ComputeMessage receiveControl(Duration timeout) {
      ComputeMessage m = answers.poll();
      if (m == null) {
        throw new SluiceException(ErrorCode.STREAM_TRUNCATED, "fund ended the stream");
      }
      return m;
    }
  }

  private SignedHead head(TestAuthority.Issued key, long size) {
    return SignedHeads.toProto(
        new TreeHeadSigner(key.key(), key.certificate())
            .sign(new TreeHead(size, peerTree.rootAt(size), Instant.now())));
  }

  private static ComputeMessage heads(
      SignedHead head, TestAuthority.Issued cert, long held, List<byte[]> proof) throws Exception {
    AuditHeads.Builder b = AuditHeads.newBuilder().setHeldSize(held);
    if (head != null) {
      b.setHead(head).setSignerCertificate(ByteString.copyFrom(cert.certificate().getEncoded()));
    }
    proof.forEach(p -> b.addProof(ByteString.copyFrom(p)));
    return ComputeMessage.newBuilder().setHeads(b).build();
  }

  @Test
  void anHonestSenderIsHeldToItsHeadAndOurOfferCarriesOursAndWhatWeHold() throws Exception {
    Scripted fundSide = new Scripted().answer(heads(head(fund, 10), fund, 0, List.of()));
    HeadCheck first = exchange.asReceiver(fundSide, "fund", "trace-1");
    assertThat(first.verdict()).isEqualTo(HeadCheck.Verdict.FIRST);
    AuditHeads offer = fundSide.sent.get(0).getHeads();
    assertThat(offer.getHeldSize()).isZero();
    assertThat(offer.getHead().getTreeSize())
        .isEqualTo(log.latestHead().orElseThrow().head().size());
    assertThat(fundSide.sent.get(1).getHeads().getProofCount())
        .as("fund held nothing of ours")
        .isZero();

    // next time the offer says what we hold, and the fund's proof from it is checked
    Scripted again =
        new Scripted().answer(heads(head(fund, 30), fund, 0, peerTree.consistencyProof(10, 30)));
    assertThat(exchange.asReceiver(again, "fund", "trace-2").verdict())
        .isEqualTo(HeadCheck.Verdict.CONSISTENT);
    assertThat(again.sent.get(0).getHeads().getHeldSize()).isEqualTo(10);
    assertThat(witness.heldSize("fund")).isEqualTo(30);
  }

  @Test
  void aHeadThatIsNotTheSendersOrIsMalformedIsNeverHeld() throws Exception {
    assertThat(
            exchange
                .asReceiver(
                    new Scripted().answer(heads(head(mallory, 10), mallory, 0, List.of())),
                    "fund",
                    "")
                .verdict())
        .isEqualTo(HeadCheck.Verdict.INVALID);
    assertThat(
            exchange
                .asReceiver(
                    new Scripted().answer(heads(head(mallory, 10), fund, 0, List.of())), "fund", "")
                .verdict())
        .isEqualTo(HeadCheck.Verdict.INVALID);
    SignedHead malformed =
        head(fund, 10).toBuilder().setRootHash(ByteString.copyFrom(new byte[3])).build();
    assertThat(
            exchange
                .asReceiver(new Scripted().answer(heads(malformed, fund, 0, List.of())), "fund", "")
                .verdict())
        .isEqualTo(HeadCheck.Verdict.INVALID);
    assertThat(witness.heldSize("fund")).isZero();
  }

  @Test
  void anOversizedOrMismatchedProofProvesNothing() throws Exception {
    exchange.asReceiver(
        new Scripted().answer(heads(head(fund, 10), fund, 0, List.of())), "fund", "");
    List<byte[]> huge = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      huge.add(new byte[32]);
    }
    HeadCheck check =
        exchange.asReceiver(
            new Scripted().answer(heads(head(fund, 30), fund, 0, huge)), "fund", "");
    assertThat(check.verdict()).isEqualTo(HeadCheck.Verdict.UNPROVEN);
    assertThat(check.message()).contains("200 hashes");
    // a proof for another pair of sizes does not verify: a rewrite, as far as we can tell
    HeadCheck wrong =
        exchange.asReceiver(
            new Scripted()
                .answer(heads(head(fund, 30), fund, 0, peerTree.consistencyProof(20, 30))),
            "fund",
            "");
    assertThat(wrong.verdict()).isEqualTo(HeadCheck.Verdict.INCONSISTENT);
    assertThat(witness.heldSize("fund")).isEqualTo(10);
  }

  @Test
  void aMessageOutOfTurnEndsTheExchangeAndAPeerThatLeavesLeavesNothingHeld() {
    Scripted outOfTurn =
        new Scripted()
            .answer(
                ComputeMessage.newBuilder().setNoticeAck(NoticeAck.getDefaultInstance()).build());
    assertThatThrownBy(() -> exchange.asReceiver(outOfTurn, "fund", ""))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION));
    assertThatThrownBy(() -> exchange.asSender(new Scripted(), "fund", ""))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_TRUNCATED));
    assertThat(witness.heldSize("fund")).isZero();
  }

  @Test
  void weProveOnlyBetweenHeadsWeGaveTheOneWhoAsks() throws Exception {
    long never = log.latestHead().orElseThrow().head().size(); // a head never handed to the fund
    grow();
    // a receiver claiming to hold a head of ours we never gave it gets no proof
    Scripted claims =
        new Scripted()
            .answer(heads(head(fund, 10), fund, never, List.of()))
            .answer(heads(null, null, 0, List.of()));
    exchange.asSender(claims, "fund", "");
    AuditHeads refused = claims.sent.get(0).getHeads();
    assertThat(refused.getHead().getTreeSize()).isGreaterThan(never);
    assertThat(refused.getProofCount()).isZero();
    // the head it was just given is one it may hold us to: after our next head it gets a proof
    long given = refused.getHead().getTreeSize();
    grow();
    Scripted holds =
        new Scripted()
            .answer(heads(head(fund, 10), fund, given, List.of()))
            .answer(heads(null, null, 0, List.of()));
    exchange.asSender(holds, "fund", "");
    AuditHeads answer = holds.sent.get(0).getHeads();
    assertThat(answer.getHead().getTreeSize()).isGreaterThan(given);
    assertThat(answer.getProofCount()).isPositive();
    assertThat(answer.getHeldSize()).isEqualTo(10);
  }

  private void grow() {
    log.append(
            AuditEvent.builder(EventType.CONFIG_CHANGED)
                .time(Instant.now())
                .actor("insurer-a")
                .build())
        .join();
    log.signHead().join();
  }
}
