package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.NodeIdentity;
import io.sluice.node.ShiftedClock;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.PsiStart;
import io.sluice.psi.EcdhPsiReceiver;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agreement's duties carried out between two nodes over mTLS: a released result is registered
 * with its deletion deadline and deleted when it passes; a result kept past it puts the permission
 * out of force; the provider records a notice of every use and, without one, refuses the next use;
 * a duty no node can carry out refuses the computation before a use is spent. Also: the provider's
 * labelled-PSI table follows its data, so an edited cell is served on the next run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsiDutiesOverMtlsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  Path fundCsv;
  Path claims;
  SluiceNode fund;
  SluiceNode insurer;
  ShiftedClock insurerClock;
  Path insurerConfig;
  ManagedChannel asInsurer;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("sluice-duties-");
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    fundCsv = fundDir.resolve("settlements.csv");
    writeSettlements("100.00");
    StringBuilder claimsCsv = new StringBuilder("claim_id,national_id,visit_date\n");
    for (int i = 0; i < 20; i++) {
      claimsCsv.append(String.format("C%d,x%09d,2026-01-%02d%n", i, i * 2, 1 + (i * 2) % 28));
    }
    claims = dir.resolve("claims.csv");
    Files.writeString(claims, claimsCsv);
    Files.writeString(fundDir.resolve("label.json"), offer("psi-label", "P1D", null));
    Files.writeString(fundDir.resolve("kept.json"), offer("psi-label", "P1D", null));
    Files.writeString(fundDir.resolve("psi.json"), offer("psi", "P1D", null));
    Files.writeString(fundDir.resolve("pay.json"), offer("psi-label", "P1D", "compensate"));
    String datasets =
        "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
            + "      - {id: label, policy: label.json}\n      - {id: kept, policy: kept.json}\n"
            + "      - {id: psi, policy: psi.json}\n      - {id: pay, policy: pay.json}\n";
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort),
            datasets);
    insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            "results: {sweepIntervalSeconds: 86400, graceSeconds: 3600}\n");
    fund = TestNodes.start(fundConfig);
    insurerClock = new ShiftedClock();
    insurer = SluiceNode.start(NodeConfigLoader.load(insurerConfig), Map.of(), insurerClock);
    NodeIdentity identity =
        NodeIdentity.load(NodeConfigLoader.load(insurerConfig), Map.of(), Clock.systemUTC());
    asInsurer =
        new PeerChannels(identity.credentials(), identity.trust(), Map.of(), 8 << 20)
            .open("fund", new PeerChannels.Address("127.0.0.1", fundPort));
  }

  private void writeSettlements(String amountOfRow4) throws IOException {
    StringBuilder csv =
        new StringBuilder("national_id,visit_date,settled_amount,settlement_date\n");
    for (int i = 0; i < 40; i++) {
      String amount = i == 4 ? amountOfRow4 : i + ".50";
      csv.append(String.format("X%09d,2026-01-%02d,%s,2026-02-01%n", i, 1 + i % 28, amount));
    }
    Files.writeString(fundCsv, csv);
  }

  @AfterAll
  void stop() throws IOException {
    if (asInsurer != null) {
      asInsurer.shutdownNow();
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

  /** The claims offer with another computation and retention, and optionally an extra duty. */
  static String offer(String computation, String retention, String extraDuty) throws IOException {
    ObjectNode root =
        (ObjectNode)
            JSON.readTree(
                TestNodes.claimsOffer(
                    "sluice://health/fund",
                    "urn:sluice:dataset:settlements",
                    "2027-12-31T23:59:59Z"));
    ObjectNode permission = (ObjectNode) root.get("permission").get(0);
    for (JsonNode c : (ArrayNode) permission.get("constraint")) {
      if (c.get("leftOperand").asText().equals("sluice:computation")) {
        ((ObjectNode) c).put("rightOperand", computation);
      }
    }
    for (JsonNode d : (ArrayNode) permission.get("duty")) {
      if (d.has("constraint")) {
        ((ObjectNode) d.get("constraint").get(0).get("rightOperand")).put("@value", retention);
      }
    }
    if (extraDuty != null) {
      ((ArrayNode) permission.get("duty")).addObject().put("action", extraDuty);
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

  CliRunner.Result psi(String agreement, String mode, Path output) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "compute",
                "psi",
                "--config",
                insurerConfig.toString(),
                "--agreement",
                agreement,
                "--input",
                claims.toString(),
                "--keys",
                "national_id:upper,visit_date",
                "--mode",
                mode,
                "--json"));
    if (output != null) {
      args.addAll(List.of("--output", output.toString()));
    }
    return CliRunner.run(args.toArray(String[]::new));
  }

  List<AuditEntry> audit(SluiceNode node, String trace) {
    node.audit().flush().join();
    return node.audit().store().entriesByTrace(trace);
  }

  @Test
  void aReleasedResultIsKeptUntilItsDeadlineAndThenDeleted() throws IOException {
    String agreement = agree("label");
    Path out = dir.resolve("kept-until.csv");
    Instant before = insurerClock.instant();
    CliRunner.Result r = psi(agreement, "psi-label", out);
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode summary = JSON.readTree(r.out());
    Instant deleteBy = Instant.parse(summary.get("deleteBy").asText());
    assertThat(deleteBy)
        .isBetween(
            before.plus(Duration.ofDays(1)), before.plus(Duration.ofDays(1)).plusSeconds(60));
    assertThat(out).exists();
    assertThat(dir.resolve("kept-until.csv.sluice-result.json")).exists();
    assertThat(audit(insurer, summary.get("traceId").asText()))
        .anyMatch(e -> e.event().type() == EventType.RESULT_KEPT);

    insurerClock.set(deleteBy.plusSeconds(1));
    try {
      insurer.results().sweep();
      assertThat(out).doesNotExist();
      assertThat(dir.resolve("kept-until.csv.sluice-result.json")).doesNotExist();
      assertThat(audit(insurer, summary.get("traceId").asText()))
          .anyMatch(e -> e.event().type() == EventType.RESULT_DELETED);
    } finally {
      insurerClock.reset();
    }
  }

  @Test
  void theProviderRecordsANoticeOfEachUse() throws IOException {
    String agreement = agree("label");
    CliRunner.Result r = psi(agreement, "psi-label", dir.resolve("noticed.csv"));
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String trace = JSON.readTree(r.out()).get("traceId").asText();
    AuditEntry received =
        audit(fund, trace).stream()
            .filter(e -> e.event().type() == EventType.USE_NOTICE_RECEIVED)
            .findFirst()
            .orElseThrow();
    assertThat(received.event().details().get("use").asLong()).isEqualTo(1);
    assertThat(received.event().details().get("outcome").asText()).isEqualTo("released");
    assertThat(received.event().details().get("deleteBy").asText()).isNotEmpty();
    assertThat(audit(insurer, trace)).anyMatch(e -> e.event().type() == EventType.USE_NOTICE_SENT);
  }

  @Test
  void aResultKeptPastItsDeadlineTakesThePermissionOutOfForce() throws IOException {
    String agreement = agree("kept");
    Path out = dir.resolve("overdue.csv");
    CliRunner.Result first = psi(agreement, "psi-label", out);
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    Instant deleteBy = Instant.parse(JSON.readTree(first.out()).get("deleteBy").asText());
    try {
      // no sweep ran: the result is still there two hours after its deadline (the grace is one)
      insurerClock.set(deleteBy.plus(Duration.ofHours(2)));
      CliRunner.Result second = psi(agreement, "psi-label", dir.resolve("overdue-2.csv"));
      assertThat(second.exitCode()).as(second.out() + second.err()).isEqualTo(3);
      assertThat(second.err()).contains("violated").contains("/duty/");
      insurer.results().sweep(); // deleting it late does not undo the violation
      CliRunner.Result third = psi(agreement, "psi-label", dir.resolve("overdue-3.csv"));
      assertThat(third.exitCode()).isEqualTo(3);
      assertThat(third.err()).contains("violated");
    } finally {
      insurerClock.reset();
    }
  }

  /** How a hostile consumer ends a session it ran to the end of the sender's set. */
  enum Ending {
    /** sends RESULT, then closes without a notice */
    SILENCE,
    /** never sends RESULT: cancels once it has everything it needs */
    ABORT_BEFORE_RESULT,
    /** sends a notice that does not match the session (another outcome) */
    FALSE_NOTICE
  }

  /**
   * A consumer that runs the psi protocol with our own receiver straight over a stream to the fund
   * (no consumer node in between) and ends it as {@code ending} says.
   */
  private void hostileSession(String agreement, Ending ending) {
    GrpcPeerChannel channel = GrpcPeerChannel.client(8 << 20, "fund");
    channel.frames(io.sluice.psi.PsiFrames.VOCABULARY);
    ComputeServiceGrpc.newStub(asInsurer).open(channel.responseObserver());
    String session = UUID.randomUUID().toString();
    String key = "national_id:upper,visit_date";
    channel.sendControl(
        ComputeMessage.newBuilder()
            .setOpen(
                io.sluice.proto.v1.ComputationStart.newBuilder()
                    .setPsi(
                        PsiStart.newBuilder()
                            .setAgreementId(agreement)
                            .setSessionId(session)
                            .setMode("psi")
                            .setKeyColumns(key)
                            .setReceiverRows(2)))
            .build());
    assertThat(
            channel
                .receiveControl(Duration.ofSeconds(30))
                .getAccepted()
                .getPsi()
                .getNoticeRequired())
        .isTrue();
    io.sluice.psi.PsiChannel view = io.sluice.psi.PsiFrames.over(channel.protocolView(), false);
    io.sluice.psi.PsiChannel wire =
        ending != Ending.ABORT_BEFORE_RESULT
            ? view
            : new io.sluice.psi.PsiChannel() {
              @Override
              public void send(io.sluice.psi.Frame frame) {
                if (frame.type() == io.sluice.psi.FrameType.RESULT) {
                  channel.close(); // everything is known; the RESULT never leaves
                  throw new io.sluice.error.SluiceException(
                      io.sluice.error.ErrorCode.CANCELLED, "gone");
                }
                view.send(frame);
              }

              @Override
              public io.sluice.psi.Frame receive(Duration timeout) {
                return view.receive(timeout);
              }

              @Override
              public int maxFrameBytes() {
                return view.maxFrameBytes();
              }

              @Override
              public void close() {}
            };
    var workers = Executors.newFixedThreadPool(2);
    try (RootAllocator allocator = new RootAllocator()) {
      new EcdhPsiReceiver(
              PsiConfig.builder(PsiMode.PSI, agreement, session, key).maxReceiverRows(2).build(),
              wire,
              allocator,
              workers,
              new SecureRandom(),
              PsiProgress.NONE)
          .run(
              2,
              List.of("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8))
                  .iterator());
    } catch (io.sluice.error.SluiceException e) {
      assertThat(ending).isEqualTo(Ending.ABORT_BEFORE_RESULT);
    } finally {
      workers.shutdownNow();
    }
    if (ending == Ending.FALSE_NOTICE) {
      channel.sendControl(
          ComputeMessage.newBuilder()
              .setNotice(io.sluice.proto.v1.UseNotice.newBuilder().setUse(1).setOutcome("withheld"))
              .build());
    }
    channel.close();
  }

  @Test
  void aUseWithoutAValidNoticeIsAViolationAndTheProviderRefusesTheNext() throws Exception {
    for (Ending ending : Ending.values()) {
      String agreement = agree("psi");
      hostileSession(agreement, ending);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                CliRunner.Result next =
                    psi(
                        agreement,
                        "psi",
                        dir.resolve("after-" + ending + "-" + UUID.randomUUID() + ".arrow"));
                assertThat(next.exitCode())
                    .as(ending + ": " + next.out() + next.err())
                    .isEqualTo(3);
                assertThat(next.err()).contains("violated").contains("was not notified");
              });
    }
  }

  @Test
  void theProviderRefusesADutyNoNodeCanCarryOutBeforeSpendingAUse() throws IOException {
    String agreement = agree("pay");
    GrpcPeerChannel channel = GrpcPeerChannel.client(8 << 20, "fund");
    channel.frames(io.sluice.psi.PsiFrames.VOCABULARY);
    ComputeServiceGrpc.newStub(asInsurer).open(channel.responseObserver());
    channel.sendControl(
        ComputeMessage.newBuilder()
            .setOpen(
                io.sluice.proto.v1.ComputationStart.newBuilder()
                    .setPsi(
                        PsiStart.newBuilder()
                            .setAgreementId(agreement)
                            .setSessionId(UUID.randomUUID().toString())
                            .setMode("psi-label")
                            .setKeyColumns("national_id:upper,visit_date")
                            .addPayloadColumns("settled_amount")
                            .setReceiverRows(2)))
            .build());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> channel.receiveControl(Duration.ofSeconds(30)))
        .isInstanceOfSatisfying(
            io.sluice.error.SluiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(io.sluice.error.ErrorCode.DUTY_NOT_POSSIBLE);
              assertThat(e.getMessage()).contains("compensate");
            });
    channel.close();
    assertThat(fund.negotiationStore().agreement(agreement).orElseThrow().useCount()).isZero();
  }

  @Test
  void aDutyNoNodeCanCarryOutRefusesBeforeAUseIsSpent() throws IOException {
    String agreement = agree("pay");
    CliRunner.Result r = psi(agreement, "psi-label", dir.resolve("paid.csv"));
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.err()).contains("compensate").contains("cannot be carried out");
    assertThat(insurer.negotiationStore().agreement(agreement).orElseThrow().useCount()).isZero();
    assertThat(fund.negotiationStore().agreement(agreement).orElseThrow().useCount()).isZero();
  }

  @Test
  void anEditedCellIsServedOnTheNextRun() throws IOException {
    String agreement = agree("label");
    Path first = dir.resolve("edit-1.csv");
    assertThat(psi(agreement, "psi-label", first).exitCode()).isZero();
    assertThat(amountOf(first, "X000000004")).isEqualTo("100.00");
    writeSettlements("777.25"); // one cell; the row count stays the same
    Path second = dir.resolve("edit-2.csv");
    CliRunner.Result r = psi(agreement, "psi-label", second);
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(amountOf(second, "X000000004")).isEqualTo("777.25");
  }

  private static String amountOf(Path result, String id) throws IOException {
    List<String> lines = Files.readAllLines(result);
    int column = List.of(lines.get(0).split(",")).indexOf("settled_amount");
    return lines.stream()
        .skip(1)
        .map(l -> l.split(","))
        .filter(f -> f[1].equalsIgnoreCase(id))
        .map(f -> new java.math.BigDecimal(f[column]).setScale(2).toPlainString())
        .findFirst()
        .orElseThrow();
  }
}
