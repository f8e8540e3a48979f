package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * PSI between two nodes over real mTLS sockets, driven through the CLI: labelled PSI for claim
 * matching, plain PSI and cardinality, and the refusals both nodes enforce (mode, uses, k).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsiOverMtlsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  SluiceNode fund;
  SluiceNode insurer;
  Path insurerConfig;
  Path claims;

  /** national id + visit date -> settled amount and date, for the rows the fund holds. */
  final Map<String, String[]> settled = new HashMap<>();

  int expectedMatches;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("sluice-psi-");
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    Random random = new Random(7);
    StringBuilder fundCsv =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    StringBuilder claimsCsv = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 400; i++) {
      String id = String.format("X%09d", 1000 + i);
      String visit = "2026-0" + (1 + i % 9) + "-1" + (i % 10);
      String amount = (100 + random.nextInt(9000)) + "." + (10 + random.nextInt(89));
      String date = "2026-10-" + (10 + i % 19);
      fundCsv
          .append(id)
          .append(',')
          .append(visit)
          .append(",H")
          .append(i % 7)
          .append(',')
          .append(amount)
          .append(',')
          .append(date)
          .append('\n');
      settled.put(id + "|" + visit, new String[] {amount, date});
    }
    for (int i = 0; i < 150; i++) {
      boolean known = i % 5 < 3; // ~60% of the insurer's claims are visits the fund settled
      int n = known ? random.nextInt(400) : 5000 + i;
      String id = String.format("X%09d", 1000 + n);
      String visit = known ? "2026-0" + (1 + n % 9) + "-1" + (n % 10) : "2026-12-01";
      // the insurer writes ids in lower case: the key rule upper-cases both sides
      claimsCsv
          .append("C")
          .append(i)
          .append(',')
          .append(id.toLowerCase())
          .append(',')
          .append(visit)
          .append(',')
          .append(200 + i)
          .append(".00\n");
      if (known) {
        expectedMatches++;
      }
    }
    Files.writeString(fundDir.resolve("settlements.csv"), fundCsv);
    claims = dir.resolve("claims.csv");
    Files.writeString(claims, claimsCsv);
    Files.writeString(fundDir.resolve("label.json"), offer("psi-label", 30, 0));
    Files.writeString(fundDir.resolve("any.json"), offer("any", 30, 0));
    Files.writeString(fundDir.resolve("twice.json"), offer("psi-label", 2, 0));
    Files.writeString(fundDir.resolve("big-k.json"), offer("psi-label", 30, 1000));
    String datasets =
        "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
            + "      - {id: label, policy: label.json}\n      - {id: any, policy: any.json}\n"
            + "      - {id: twice, policy: twice.json}\n      - {id: big-k, policy: big-k.json}\n";
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
            "");
    fund = TestNodes.start(fundConfig);
    insurer = TestNodes.start(insurerConfig);
  }

  @AfterAll
  void stop() throws IOException {
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

  /** The claims offer with the computation, use limit and minimum group size changed. */
  static String offer(String computation, int uses, int k) throws IOException {
    ObjectNode root =
        (ObjectNode)
            JSON.readTree(
                TestNodes.claimsOffer(
                    "sluice://health/fund",
                    "urn:sluice:dataset:settlements",
                    "2027-12-31T23:59:59Z"));
    ArrayNode constraints = (ArrayNode) root.get("permission").get(0).get("constraint");
    for (JsonNode c : constraints) {
      ObjectNode o = (ObjectNode) c;
      switch (c.get("leftOperand").asText()) {
        case "count" -> o.put("rightOperand", uses);
        case "sluice:computation" -> {
          if (computation.equals("any")) {
            o.put("operator", "isAnyOf");
            o.set(
                "rightOperand",
                JSON.createArrayNode().add("psi").add("psi-cardinality").add("psi-label"));
          } else {
            o.put("rightOperand", computation);
          }
        }
        default -> {}
      }
    }
    if (k > 0) {
      constraints
          .addObject()
          .put("leftOperand", "sluice:minResultGroupSize")
          .put("operator", "gteq")
          .put("rightOperand", k);
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

  CliRunner.Result psi(String agreement, String mode, Path output, String... extra) {
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
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void labelledPsiRevealsTheSettledAmountForMatchedClaimsOnly() throws IOException {
    String agreement = agree("label");
    Path out = dir.resolve("matched.csv");
    CliRunner.Result r = psi(agreement, "psi-label", out, "--batch-size", "64");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode summary = JSON.readTree(r.out());
    assertThat(summary.get("outcome").asText()).isEqualTo("released");
    assertThat(summary.get("inputRows").asLong()).isEqualTo(150);
    assertThat(summary.get("inputKeys").asLong()).isEqualTo(distinctClaimKeys());
    assertThat(summary.get("skippedRows").asLong()).isZero();
    assertThat(summary.get("senderKeys").asLong()).isEqualTo(400);
    assertThat(summary.get("outputRows").asLong()).isEqualTo(expectedMatches);
    List<String> lines = Files.readAllLines(out);
    assertThat(lines.get(0))
        .isEqualTo("claim_id,national_id,visit_date,claimed_amount,settled_amount,settlement_date");
    Map<String, String> seen = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      String[] expected = settled.get(f[1].toUpperCase() + "|" + f[2]);
      assertThat(expected).as("row %s matched a settled visit", line).isNotNull();
      assertThat(new java.math.BigDecimal(f[4])).isEqualByComparingTo(expected[0]);
      assertThat(f[5]).isEqualTo(expected[1]);
      seen.put(f[0], line);
    }
    assertThat(seen).hasSize(expectedMatches);

    // both nodes audited the same frames under one trace
    String trace = summary.get("traceId").asText();
    List<AuditEntry> mine = insurerAudit(trace);
    List<AuditEntry> theirs = fund.audit().store().entriesByTrace(trace);
    long sent = mine.stream().filter(e -> e.event().type() == EventType.FRAME_SENT).count();
    long received =
        theirs.stream().filter(e -> e.event().type() == EventType.FRAME_RECEIVED).count();
    assertThat(sent).isGreaterThan(3).isEqualTo(received);
    assertThat(theirs).anyMatch(e -> e.event().type() == EventType.RESULT_RELEASED);
  }

  List<AuditEntry> insurerAudit(String trace) {
    insurer.audit().flush().join();
    fund.audit().flush().join();
    return insurer.audit().store().entriesByTrace(trace);
  }

  @Test
  void plainPsiAndCardinality() throws IOException {
    String agreement = agree("any");
    Path out = dir.resolve("psi.arrow");
    CliRunner.Result r = psi(agreement, "psi", out);
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(JSON.readTree(r.out()).get("matchedRows").asLong()).isEqualTo(expectedMatches);
    assertThat(out).exists();

    CliRunner.Result count = psi(agreement, "psi-cardinality", null);
    assertThat(count.exitCode()).as(count.out() + count.err()).isZero();
    long distinct = settledKeysInClaims();
    assertThat(JSON.readTree(count.out()).get("intersectionSize").asLong()).isEqualTo(distinct);
    assertThat(JSON.readTree(count.out()).get("matchedRows").asLong()).isZero();
  }

  long distinctClaimKeys() throws IOException {
    return Files.readAllLines(claims).stream()
        .skip(1)
        .map(l -> l.split(","))
        .map(f -> f[1].toUpperCase() + "|" + f[2])
        .distinct()
        .count();
  }

  long settledKeysInClaims() throws IOException {
    return Files.readAllLines(claims).stream()
        .skip(1)
        .map(l -> l.split(","))
        .map(f -> f[1].toUpperCase() + "|" + f[2])
        .filter(settled::containsKey)
        .distinct()
        .count();
  }

  @Test
  void aModeTheAgreementDoesNotPermitIsRefusedBeforeAnyDataMoves() throws IOException {
    String agreement = agree("label");
    Path out = dir.resolve("refused.csv");
    CliRunner.Result r = psi(agreement, "psi", out);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("does not permit").contains("sluice:computation");
    assertThat(out).doesNotExist();
  }

  @Test
  void usesAreCountedAndExhausted() throws IOException {
    String agreement = agree("twice");
    assertThat(psi(agreement, "psi-label", dir.resolve("u1.csv")).exitCode()).isZero();
    assertThat(psi(agreement, "psi-label", dir.resolve("u2.csv")).exitCode()).isZero();
    CliRunner.Result third = psi(agreement, "psi-label", dir.resolve("u3.csv"));
    assertThat(third.exitCode()).isNotZero();
    assertThat(third.err()).containsAnyOf("uses", "count");
    assertThat(dir.resolve("u3.csv")).doesNotExist();
  }

  @Test
  void aSessionRunsOnceAndARetryOfASpentSessionIsRefusedBeforeAnythingMoves() throws IOException {
    String agreement = agree("twice");
    String session = "retry-" + java.util.UUID.randomUUID();
    CliRunner.Result first =
        psi(agreement, "psi-label", dir.resolve("s1.csv"), "--session-id", session);
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    assertThat(JSON.readTree(first.out()).get("sessionId").asText()).isEqualTo(session);
    CliRunner.Result again =
        psi(agreement, "psi-label", dir.resolve("s2.csv"), "--session-id", session);
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.err()).contains("spent its use already");
    assertThat(dir.resolve("s2.csv")).doesNotExist();
    // One use on each side: the refused retry took none, and the second use is still there.
    assertThat(insurer.negotiationStore().agreement(agreement).orElseThrow().useCount())
        .isEqualTo(1);
    assertThat(fund.negotiationStore().agreement(agreement).orElseThrow().useCount()).isEqualTo(1);
    assertThat(psi(agreement, "psi-label", dir.resolve("s3.csv")).exitCode()).isZero();
  }

  @Test
  void cancellingTheCallerStopsBothSidesAndFreesEveryBuffer() throws Exception {
    String agreement = agree("any");
    Path big = dir.resolve("big-claims.csv");
    StringBuilder csv = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 30_000; i++) {
      csv.append("B")
          .append(i)
          .append(",X")
          .append(String.format("%09d", 900_000 + i))
          .append(",2026-01-01,1.00\n");
    }
    Files.writeString(big, csv);
    var identity =
        io.sluice.node.NodeIdentity.load(insurer.config(), Map.of(), java.time.Clock.systemUTC());
    try (var channels =
        new io.sluice.node.grpc.PeerChannels(
            identity.credentials(), identity.trust(), Map.of(), 8 << 20)) {
      var channel =
          channels.open(
              "insurer-a",
              new io.sluice.node.grpc.PeerChannels.Address("127.0.0.1", insurer.port()));
      var progress = new java.util.concurrent.CountDownLatch(1);
      var done = new java.util.concurrent.CompletableFuture<Throwable>();
      var call = io.sluice.proto.v1.ComputeControlServiceGrpc.newStub(channel);
      io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
      context.run(
          () ->
              call.run(
                  io.sluice.proto.v1.RunRequest.newBuilder()
                      .setPsi(
                          io.sluice.proto.v1.RunPsiRequest.newBuilder()
                              .setAgreementId(agreement)
                              .setInputPath(big.toString())
                              .addKeys(
                                  io.sluice.proto.v1.KeyColumn.newBuilder()
                                      .setName("national_id")
                                      .setCaseRule("upper"))
                              .addKeys(
                                  io.sluice.proto.v1.KeyColumn.newBuilder().setName("visit_date"))
                              .setMode("psi")
                              .setBatchSize(256)
                              .setOutputPath(dir.resolve("cancelled.arrow").toString()))
                      .build(),
                  new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(io.sluice.proto.v1.RunUpdate value) {
                      progress.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {
                      done.complete(t);
                    }

                    @Override
                    public void onCompleted() {
                      done.complete(null);
                    }
                  }));
      assertThat(progress.await(60, java.util.concurrent.TimeUnit.SECONDS))
          .as("the computation reported progress")
          .isTrue();
      context.cancel(null);
      assertThat(done.get(30, java.util.concurrent.TimeUnit.SECONDS))
          .as("the call ended with an error")
          .isNotNull();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(insurer.allocatedMemory()).isZero();
                assertThat(fund.allocatedMemory()).isZero();
              });
      assertThat(dir.resolve("cancelled.arrow")).doesNotExist();
      channel.shutdownNow();
    }
    // Both nodes recorded how the session ended: cancelled by our caller, and for the fund by us.
    String trace =
        insurer.audit().store().entries(0, Integer.MAX_VALUE).stream()
            .filter(e -> e.event().type() == EventType.COMPUTATION_STARTED)
            .filter(e -> e.event().agreementId().equals(agreement))
            .reduce((a, b) -> b)
            .orElseThrow()
            .event()
            .traceId();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (SluiceNode node : List.of(insurer, fund)) {
                node.audit().flush().join();
                assertThat(node.audit().store().entriesByTrace(trace))
                    .as(node.identity().participant() + " recorded the end")
                    .anyMatch(e -> e.event().type() == EventType.COMPUTATION_FAILED);
              }
            });
    assertThat(insurer.audit().store().entriesByTrace(trace))
        .filteredOn(e -> e.event().type() == EventType.COMPUTATION_FAILED)
        .singleElement()
        .satisfies(e -> assertThat(e.event().detailsJson()).contains("\"code\":\"CANCELLED\""));
  }

  @Test
  void aResultBelowTheMinimumGroupSizeIsWithheldOnBothSides() throws IOException {
    String agreement = agree("big-k");
    Path out = dir.resolve("withheld.csv");
    CliRunner.Result r = psi(agreement, "psi-label", out);
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    JsonNode summary = JSON.readTree(r.out());
    assertThat(summary.get("outcome").asText()).isEqualTo("withheld");
    assertThat(summary.get("reason").asText()).contains("minimum group size");
    assertThat(out).doesNotExist();
    String trace = summary.get("traceId").asText();
    insurerAudit(trace);
    assertThat(fund.audit().store().entriesByTrace(trace))
        .anyMatch(e -> e.event().type() == EventType.RESULT_WITHHELD);
  }
}
