package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.NodeIdentity;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.TraceIds;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.PsiStart;
import io.sluice.psi.Frame;
import io.sluice.psi.FrameType;
import io.sluice.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The provider's node enforces the agreement by itself. Every test here talks to the fund's node
 * with a hostile client written in the test: a raw {@code ComputeService/Open} stream over mTLS
 * with the consumer's (or another participant's) certificate, which skips every check of our own
 * consumer node and CLI, and writes handshake and data frames by hand from docs/psi.md. Each
 * refusal must come from the fund, with its reason, and be in the fund's audit log; a refusal
 * before the session starts moves no frame.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsiProviderEnforcementTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "national_id:upper,visit_date";
  static final List<String> REVEAL = List.of("settled_amount", "settlement_date");

  Path dir;
  MutableClock fundClock;
  SluiceNode fund;
  SluiceNode insurer;
  Path insurerConfig;
  NodeIdentity insurerB;
  ManagedChannel asInsurer;
  ManagedChannel asInsurerB;
  String agreement;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("sluice-enforce-");
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder csv =
        new StringBuilder(
            "national_id,visit_date,diagnosis_group,settled_amount,settlement_date\n");
    for (int i = 0; i < 50; i++) {
      csv.append(
          String.format("X%09d,2026-01-%02d,D%d,%d.00,2026-02-01%n", i, 1 + i % 28, i % 4, i));
    }
    Files.writeString(fundDir.resolve("settlements.csv"), csv);
    Files.writeString(fundDir.resolve("label.json"), offer(30));
    Files.writeString(fundDir.resolve("once.json"), offer(1));
    Files.writeString(fundDir.resolve("plain.json"), withoutInform(offer(30)));
    Files.writeString(
        fundDir.resolve("brief.json"),
        offer(30, Instant.now().plus(Duration.ofDays(1)).toString()));
    String yaml =
        "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
            + "      - {id: label, policy: label.json}\n      - {id: once, policy: once.json}\n"
            + "      - {id: brief, policy: brief.json}\n"
            + "      - {id: plain, policy: plain.json}\n"
            + "limits: {startTimeoutMillis: 1000, maxSessions: 3}\n";
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort),
            yaml);
    insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            "");
    Path insurerBConfig =
        TestNodes.provision(ca, dir, "insurer-b", List.of("commercial-insurer"), null);
    fundClock = new MutableClock(Instant.now());
    fund = SluiceNode.start(NodeConfigLoader.load(fundConfig), Map.of(), fundClock);
    insurer = TestNodes.start(insurerConfig);
    insurerB =
        NodeIdentity.load(NodeConfigLoader.load(insurerBConfig), Map.of(), Clock.systemUTC());
    asInsurer = channelAs(insurer.config().source(), fundPort);
    asInsurerB = channelAs(insurerBConfig, fundPort);
    agreement = agree("label");
  }

  private ManagedChannel channelAs(Path config, int fundPort) {
    NodeIdentity identity =
        NodeIdentity.load(NodeConfigLoader.load(config), Map.of(), Clock.systemUTC());
    PeerChannels channels =
        new PeerChannels(identity.credentials(), identity.trust(), Map.of(), 8 << 20);
    return channels.open("fund", new PeerChannels.Address("127.0.0.1", fundPort));
  }

  @AfterAll
  void stop() throws IOException {
    for (ManagedChannel c : new ManagedChannel[] {asInsurer, asInsurerB}) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    if (insurer != null) {
      insurer.close();
    }
    if (fund != null) {
      fund.close();
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static String offer(int uses) throws IOException {
    return offer(uses, "2027-12-31T23:59:59Z");
  }

  static String offer(int uses, String until) throws IOException {
    ObjectNode root =
        (ObjectNode)
            JSON.readTree(
                TestNodes.claimsOffer(
                    "sluice://health/fund", "urn:sluice:dataset:settlements", until));
    for (JsonNode c : (ArrayNode) root.get("permission").get(0).get("constraint")) {
      if (c.get("leftOperand").asText().equals("count")) {
        ((ObjectNode) c).put("rightOperand", uses);
      }
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  /** The offer without its inform duty: a session admitted without a notice violates nothing. */
  static String withoutInform(String offer) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(offer);
    ArrayNode duties = (ArrayNode) root.get("permission").get(0).get("duty");
    for (int i = duties.size() - 1; i >= 0; i--) {
      if (duties.get(i).get("action").asText().equals("inform")) {
        duties.remove(i);
      }
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  String agree(String offerId) throws IOException {
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--offer",
            offerId,
            "--purpose",
            "claims-settlement",
            "--json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return JSON.readTree(r.out()).at("/agreement/agreementId").asText();
  }

  /** A start that the agreement permits, to be spoiled one field at a time. */
  PsiStart.Builder validStart(String agreementId) {
    return PsiStart.newBuilder()
        .setAgreementId(agreementId)
        .setSessionId(UUID.randomUUID().toString())
        .setMode("psi-label")
        .setKeyColumns(KEY)
        .addAllPayloadColumns(REVEAL)
        .setReceiverRows(5);
  }

  @Test
  void refusesAModeTheAgreementDoesNotPermit() {
    assertRefused(validStart(agreement).setMode("psi"), "sluice:computation");
  }

  @Test
  void refusesKeyColumnsTheAgreementDoesNotName() {
    // visit_date alone would return a payload for every fund row of a visit day.
    assertRefused(validStart(agreement).setKeyColumns("visit_date"), "sluice:keyColumns");
    // enumerating the groups through the key would reveal the withheld diagnosis column.
    assertRefused(
        validStart(agreement).setKeyColumns("national_id:upper,diagnosis_group"),
        "sluice:keyColumns");
    // another case rule is another key
    assertRefused(
        validStart(agreement).setKeyColumns("national_id,visit_date"), "sluice:keyColumns");
  }

  @Test
  void refusesColumnsTheAgreementDoesNotReveal() {
    assertRefused(
        validStart(agreement).addPayloadColumns("diagnosis_group"), "sluice:outputColumns");
  }

  @Test
  void refusesMoreKeysThanTheAgreementAllows() {
    assertRefused(validStart(agreement).setReceiverRows(1_000_001), "sluice:inputRows");
  }

  @Test
  void refusesACallerWhoIsNotTheAgreementsConsumer() {
    Hostile h = new Hostile(asInsurerB);
    h.start(validStart(agreement));
    Status status = h.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).isEqualTo("no agreement " + agreement + " with insurer-b");
    assertAudited(h.trace, EventType.COMPUTATION_REFUSED, "with insurer-b");
    // An id that exists nowhere reads the same: the caller cannot probe which ids exist.
    Hostile probe = new Hostile(asInsurerB);
    probe.start(validStart("agr-does-not-exist"));
    Status unknown = probe.awaitEnd();
    assertThat(unknown.getCode()).isEqualTo(status.getCode());
    assertThat(unknown.getDescription())
        .isEqualTo("no agreement agr-does-not-exist with insurer-b");
  }

  @Test
  void refusesAMalformedAgreementIdAndStillEndsTheCall() {
    for (String id : List.of("x".repeat(300), "tab\there")) {
      Hostile h = new Hostile(asInsurer);
      h.start(validStart(agreement).setAgreementId(id));
      Status status = h.awaitEnd();
      assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(status.getDescription()).contains("malformed agreement id");
      assertAudited(h.trace, EventType.COMPUTATION_REFUSED, "malformed agreement id");
    }
  }

  @Test
  void refusesAnUnknownModeBeforeLookingAtTheAgreement() {
    Hostile h = new Hostile(asInsurer);
    h.start(validStart(agreement).setMode("psi-everything\u0007"));
    Status status = h.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("unknown PSI mode").doesNotContain("everything");
    assertAudited(h.trace, EventType.COMPUTATION_REFUSED, "unknown PSI mode");
  }

  @Test
  void tellsACallerWhoIsNotTheConsumerNothingAboutTheDataset() {
    Hostile h = new Hostile(asInsurerB);
    h.start(validStart(agreement).setKeyColumns("no_such_column"));
    Status status = h.awaitEnd();
    assertThat(status.getDescription())
        .contains("no agreement " + agreement + " with insurer-b")
        .doesNotContain("national_id")
        .doesNotContain("columns");
  }

  @Test
  void refusesAnExpiredAgreement() throws IOException {
    String brief = agree("brief");
    Instant now = fundClock.instant();
    try {
      fundClock.set(now.plus(Duration.ofDays(2)));
      assertRefused(validStart(brief), "valid from");
    } finally {
      fundClock.set(now);
    }
  }

  @Test
  void refusesAnAgreementWhoseUsesAreSpent() throws IOException {
    String once = agree("once");
    Hostile first = new Hostile(asInsurer);
    spendAUse(first, validStart(once).build());
    first.cancel();
    awaitIdle();
    assertRefused(validStart(once), "count");
  }

  @Test
  void aSessionIdWhoseUseWasSpentNeverRunsAgain() throws IOException {
    String a = agree("plain");
    PsiStart start = validStart(a).build();
    Hostile first = new Hostile(asInsurer);
    spendAUse(first, start);
    first.cancel();
    awaitAudited(first.trace, EventType.COMPUTATION_FAILED);
    awaitIdle();
    long used = fund.negotiationStore().agreement(a).orElseThrow().useCount();
    assertThat(used).isEqualTo(1);

    Hostile again = new Hostile(asInsurer);
    again.start(start.toBuilder());
    Status status = again.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(status.getDescription()).contains("spent its use already");
    List<AuditEntry> entries =
        assertAudited(again.trace, EventType.COMPUTATION_REFUSED, "SESSION_SPENT");
    assertThat(entries).noneMatch(e -> e.event().type() == EventType.FRAME_SENT);
    assertThat(fund.negotiationStore().agreement(a).orElseThrow().useCount()).isEqualTo(used);
  }

  @Test
  void aSessionIdRunsOnceAtATime() throws IOException {
    String a = agree("plain");
    PsiStart start = validStart(a).build();
    Hostile first = new Hostile(asInsurer);
    first.start(start.toBuilder());
    assertThat(first.next().hasAccepted()).isTrue();
    Hostile twin = new Hostile(asInsurer);
    twin.start(start.toBuilder());
    Status status = twin.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(status.getDescription()).contains("is running already");
    assertAudited(twin.trace, EventType.COMPUTATION_REFUSED, "SESSION_RUNNING");
    first.cancel();
    awaitAudited(first.trace, EventType.COMPUTATION_FAILED);
    awaitIdle();
    // Nothing of the fund's left it before the cancel (its HELLO waits for ours): the use came
    // back.
    assertThat(fund.negotiationStore().agreement(a).orElseThrow().useCount()).isZero();
  }

  @Test
  void aSessionEndedBeforeTheFundSentAnythingCostsNoUseAndViolatesNoDuty() throws IOException {
    String a = agree("label"); // with an inform duty
    Hostile first = new Hostile(asInsurer);
    first.start(validStart(a));
    assertThat(first.next().hasAccepted()).isTrue();
    first.cancel();
    awaitAudited(first.trace, EventType.COMPUTATION_FAILED);
    awaitIdle();
    assertThat(fund.negotiationStore().agreement(a).orElseThrow().useCount()).isZero();
    // No use was counted, so none is waiting for its notice: the next session is admitted.
    Hostile next = new Hostile(asInsurer);
    spendAUse(next, validStart(a).build());
    next.cancel();
    awaitAudited(next.trace, EventType.COMPUTATION_FAILED);
    awaitIdle();
    assertThat(fund.negotiationStore().agreement(a).orElseThrow().useCount()).isEqualTo(1);
    // That one was spent and never notified: the duty stands violated now.
    assertRefused(validStart(a), "violated");
  }

  /**
   * Opens the session and exchanges handshakes: once the fund's HELLO (its key count) has left it,
   * the session's use is spent.
   */
  private static void spendAUse(Hostile h, PsiStart start) {
    h.start(start.toBuilder());
    ComputeMessage accepted = h.next();
    assertThat(accepted.hasAccepted()).as("the use is admitted").isTrue();
    h.frame(FrameType.HELLO, 0, hello(start, accepted.getAccepted().getPsi().getKeyEpoch(), 5));
    assertThat(h.next().hasFrame()).as("the fund's handshake").isTrue();
  }

  /**
   * Waits until the fund runs no computation: a cancelled session ends on the fund's own thread,
   * and until it has, it holds one of the fund's few session slots.
   */
  private void awaitIdle() {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (fund.runningComputations() > 0) {
      assertThat(System.nanoTime()).as("the fund's sessions ended").isLessThan(until);
      sleep(20);
    }
    sleep(50); // the pool's thread takes a moment to be free again after its session
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits until the fund's log holds an entry of this type for the trace. */
  private void awaitAudited(String trace, EventType type) {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until) {
      fund.audit().flush().join();
      if (fund.audit().store().entriesByTrace(trace).stream()
          .anyMatch(e -> e.event().type() == type)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no " + type + " for trace " + trace);
  }

  @Test
  void refusesAHandshakeAnnouncingMoreKeysThanWereAdmitted() throws IOException {
    // Every admitted session without a notice of use leaves the agreement's inform duty
    // violated, so each test that gets past admission has an agreement of its own.
    Hostile h = new Hostile(asInsurer);
    PsiStart start = validStart(agree("label")).setReceiverRows(5).build();
    h.start(start.toBuilder());
    String epoch = h.next().getAccepted().getPsi().getKeyEpoch();
    h.frame(FrameType.HELLO, 0, hello(start, epoch, 6));
    Status status = h.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("6 distinct keys exceeds the limit of 5");
    assertAudited(h.trace, EventType.COMPUTATION_FAILED, "INPUT_LIMIT_EXCEEDED");
  }

  @Test
  void refusesKeysSentBeyondWhatTheHandshakeAnnounced() throws IOException {
    Hostile h = new Hostile(asInsurer);
    PsiStart start = validStart(agree("label")).setReceiverRows(2).build();
    h.start(start.toBuilder());
    String epoch = h.next().getAccepted().getPsi().getKeyEpoch();
    h.frame(FrameType.HELLO, 0, hello(start, epoch, 2));
    h.frame(FrameType.BLINDED, 1, elements(3, 33));
    Status status = h.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("more keys than it announced");
    assertAudited(h.trace, EventType.COMPUTATION_FAILED, "PROTOCOL_VIOLATION");
  }

  @Test
  void closesAStreamThatNamesNoComputationWithinItsStartTimeout() {
    Hostile h = new Hostile(asInsurer);
    long t0 = System.nanoTime();
    Status status = h.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("sent nothing in 1 s");
    assertAudited(h.trace, EventType.COMPUTATION_REFUSED, "DEADLINE_EXCEEDED");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void refusesSessionsBeyondItsBoundAtOnce() throws IOException {
    List<Hostile> held = new ArrayList<>();
    Status refused = null;
    try {
      for (int i = 0; i < 6 && refused == null; i++) {
        Hostile h = new Hostile(asInsurer);
        h.start(validStart(agree("label")));
        ComputeMessage m = h.nextOrNull();
        if (m != null && m.hasAccepted()) {
          held.add(h);
        } else {
          refused = h.awaitEnd();
        }
      }
      assertThat(refused).as("a session beyond the bound is refused").isNotNull();
      assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.getDescription()).contains("as many computations as it allows");
      // A session of an earlier test may still be ending, so at most the bound was admitted.
      assertThat(held).hasSizeLessThanOrEqualTo(3);
    } finally {
      held.forEach(Hostile::cancel);
      awaitIdle();
    }
  }

  /** Sends {@code start}, expects the fund to refuse it before any frame, for {@code reason}. */
  private void assertRefused(PsiStart.Builder start, String reason) {
    Hostile h = new Hostile(asInsurer);
    h.start(start);
    Status status = h.awaitEnd();
    assertThat(status.getCode())
        .isIn(Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(reason);
    List<AuditEntry> entries = assertAudited(h.trace, EventType.COMPUTATION_REFUSED, reason);
    assertThat(entries)
        .noneMatch(
            e ->
                e.event().type() == EventType.FRAME_SENT
                    || e.event().type() == EventType.FRAME_RECEIVED
                    || e.event().type() == EventType.COMPUTATION_STARTED);
  }

  private List<AuditEntry> assertAudited(String trace, EventType type, String reason) {
    fund.audit().flush().join();
    List<AuditEntry> entries = fund.audit().store().entriesByTrace(trace);
    assertThat(entries)
        .as("the fund's audit entries of trace %s", trace)
        .anyMatch(
            e ->
                e.event().type() == type
                    && (e.event().details().path("reason").asText().contains(reason)
                        || e.event().details().path("code").asText().contains(reason)));
    return entries;
  }

  /** The HELLO of docs/psi.md, written from the documentation rather than with our code. */
  static byte[] hello(PsiStart start, String epoch, long rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(2); // version
    out.write(3); // psi-label
    out.write(12); // tag length
    out.writeBytes(ByteBuffer.allocate(12).putInt(32_768).putLong(rows).array());
    for (String s : List.of(start.getAgreementId(), start.getSessionId(), epoch)) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b.length);
      out.writeBytes(b);
    }
    out.writeBytes(keyBinding(start.getAgreementId(), start.getKeyColumns()));
    return out.toByteArray();
  }

  static byte[] keyBinding(String agreementId, String keyColumns) {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes("sluice/psi/key-columns/v2".getBytes(StandardCharsets.US_ASCII));
    for (String s : List.of(agreementId, keyColumns)) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      in.write(b.length >>> 8);
      in.write(b.length);
      in.writeBytes(b);
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(in.toByteArray());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** One Arrow IPC stream of {@code rows} arbitrary {@code width}-byte elements, column "e". */
  static byte[] elements(int rows, int width) throws IOException {
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    "e", new FieldType(false, new ArrowType.FixedSizeBinary(width), null), null)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RootAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      FixedSizeBinaryVector e = (FixedSizeBinaryVector) root.getVector(0);
      e.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        byte[] v = new byte[width];
        v[0] = 2;
        v[width - 1] = (byte) i;
        e.set(i, v);
      }
      root.setRowCount(rows);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }

  /** A raw stream to the fund's ComputeService, as a hostile consumer would open it. */
  private static final class Hostile {
    final String trace = UUID.randomUUID().toString();
    private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final StreamObserver<ComputeMessage> out;

    Hostile(ManagedChannel channel) {
      out =
          ComputeServiceGrpc.newStub(
                  ClientInterceptors.intercept(channel, TraceIds.clientInterceptor(trace)))
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .open(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ComputeMessage value) {
                      inbound.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      inbound.add(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      inbound.add(Status.OK);
                    }
                  });
    }

    void start(PsiStart.Builder start) {
      out.onNext(
          ComputeMessage.newBuilder()
              .setOpen(io.sluice.proto.v1.ComputationStart.newBuilder().setPsi(start))
              .build());
    }

    void frame(FrameType type, long sequence, byte[] payload) {
      out.onNext(
          ComputeMessage.newBuilder()
              .setFrame(ByteString.copyFrom(new Frame(type, sequence, payload).encode()))
              .build());
    }

    /** The next message; fails if the stream ended instead. */
    ComputeMessage next() {
      ComputeMessage m = nextOrNull();
      assertThat(m).as("a message from the fund").isNotNull();
      return m;
    }

    /** The next message, or null when the stream ended (the status stays for awaitEnd). */
    ComputeMessage nextOrNull() {
      Object o = poll();
      if (o instanceof Status) {
        inbound.add(o);
        return null;
      }
      return (ComputeMessage) o;
    }

    /** The status the stream ended with, skipping messages (frames such as a CANCEL). */
    Status awaitEnd() {
      while (true) {
        Object o = poll();
        if (o instanceof Status s) {
          return s;
        }
      }
    }

    void cancel() {
      out.onError(Status.CANCELLED.asRuntimeException());
    }

    private Object poll() {
      try {
        Object o = inbound.poll(30, TimeUnit.SECONDS);
        assertThat(o).as("the fund answered in time").isNotNull();
        return o;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
