package io.sluice.node.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.NodeIdentity;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Obligation;
import io.sluice.policy.eval.Request;
import io.sluice.proto.v1.ListResultsRequest;
import io.sluice.proto.v1.PurgeResultsRequest;
import io.sluice.proto.v1.ResultServiceGrpc;
import io.sluice.results.ResultRecord;
import io.sluice.results.ResultRetention;
import io.sluice.results.ResultState;
import io.sluice.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer's node keeps its result files under their delete duties: registered through the
 * retention service (as the PSI receiver does), listed and purged with the CLI, swept at the
 * deadline by the node's schedule, and closed to everyone but the node's own operator.
 */
class ResultsNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  TestAuthority ca;
  MutableClock clock;

  @BeforeEach
  void authority() {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    // the node's certificates are checked against this clock: stay within their 30 days
    clock = new MutableClock(Instant.now());
  }

  /** The shipped claims-matching offer's delete duty, with its retention changed. */
  static Obligation claimsDeleteDuty(String retention) {
    String offer =
        TestNodes.claimsOffer(
                "sluice://health/fund", "urn:sluice:dataset:settlements", "2030-12-31T23:59:59Z")
            .replace("\"P30D\"", "\"" + retention + "\"");
    Decision decision =
        CompiledPolicy.compile(PolicyCodec.parse(offer))
            .evaluate(
                Request.builder()
                    .target("urn:sluice:dataset:settlements")
                    .claim("participant", "sluice://health/insurer-a")
                    .claim("role", "commercial-insurer")
                    .purpose("claims-settlement")
                    .clock(Clock.systemUTC())
                    .computation(
                        Computation.of("psi-label")
                            .withInputRows(10)
                            .withOutputColumns("settled_amount")
                            .withKeyColumns("national_id:upper,visit_date"))
                    .build());
    assertThat(decision.permitted()).as(decision.toString()).isTrue();
    return decision.duties().get(0);
  }

  private Path node(String participant, int port, String yaml) {
    return TestNodes.provision(
        ca, dir, participant, List.of("commercial-insurer"), null, port, Map.of(), yaml);
  }

  private SluiceNode start(Path config) {
    return SluiceNode.start(NodeConfigLoader.load(config), Map.of(), clock);
  }

  private static Path result(Path config, String name) throws Exception {
    return Files.writeString(
        config.resolveSibling(name), "national_id,settled_amount\nX-1,10\nX-2,20\n");
  }

  private static List<AuditEvent> trace(SluiceNode node, String traceId) {
    node.audit().flush().join();
    return node.audit().store().entriesByTrace(traceId).stream().map(AuditEntry::event).toList();
  }

  @Test
  void aResultIsListedSweptAtItsDeadlineAndPurgedByTheOperator() throws Exception {
    Path config =
        node(
            "insurer-a",
            DemoSpace.freePort(),
            "results: {sweepIntervalSeconds: 3600, graceSeconds: 600}\n");
    Obligation duty = claimsDeleteDuty("PT2H");
    try (SluiceNode node = start(config)) {
      ResultRetention results = node.results();
      assertThat(node.config().results()).isEqualTo(new NodeConfig.Results(3600, 600));
      results.checkDeletable(config.resolveSibling("matched.csv"), Optional.of(duty));
      Path matched = result(config, "matched.csv");
      ResultRecord r = results.register("ag-1", "s-1", "trace-1", matched, 2, Optional.of(duty));
      Path kept = result(config, "kept.csv");
      clock.advance(Duration.ofSeconds(1)); // the list is ordered by creation
      ResultRecord undated = results.register("ag-2", "s-2", "trace-2", kept, 2, Optional.empty());

      CliRunner.Result listed = CliRunner.run("results", "list", "--config", config.toString());
      assertThat(listed.exitCode()).as(listed.err()).isZero();
      assertThat(listed.out())
          .contains("RESULT", "DELETE BY", r.id(), undated.id(), matched.toString(), "KEPT");

      CliRunner.Result json =
          CliRunner.run("results", "list", "--config", config.toString(), "--json");
      assertThat(json.exitCode()).as(json.err()).isZero();
      JsonNode first = JSON.readTree(json.out()).get(0);
      assertThat(first.get("resultId").asText()).isEqualTo(r.id());
      assertThat(first.get("agreementId").asText()).isEqualTo("ag-1");
      assertThat(first.get("output").asText()).isEqualTo(matched.toString());
      assertThat(first.get("rows").asLong()).isEqualTo(2);
      assertThat(first.get("deleteBy").asText())
          .isEqualTo(r.createdAt().plus(Duration.ofHours(2)).toString());
      assertThat(first.get("duty").get("pointer").asText()).isEqualTo("/permission/0/duty/0");
      assertThat(first.get("state").asText()).isEqualTo("KEPT");
      assertThat(first.get("violation").isNull()).isTrue();

      clock.advance(Duration.ofHours(2).plusMinutes(1)); // 61 s after the deadline (one earlier)
      assertThat(results.sweep()).isEqualTo(new ResultRetention.SweepSummary(1, 0, 0));
      assertThat(matched).doesNotExist();
      assertThat(config.resolveSibling("matched.csv.sluice-result.json")).doesNotExist();
      assertThat(kept).exists();
      assertThat(trace(node, "trace-1"))
          .extracting(AuditEvent::type)
          .containsExactly(EventType.RESULT_KEPT, EventType.RESULT_DELETED);
      AuditEvent deleted = trace(node, "trace-1").get(1);
      assertThat(deleted.agreementId()).isEqualTo("ag-1");
      assertThat(deleted.details().get("state").asText()).isEqualTo("DELETED");
      assertThat(deleted.details().get("lateSeconds").asLong()).isEqualTo(61);
      assertThat(results.violatedDuties("ag-1")).isEmpty();

      CliRunner.Result after =
          CliRunner.run("results", "list", "--config", config.toString(), "--agreement", "ag-1");
      assertThat(after.out()).contains(r.id(), "DELETED").doesNotContain(undated.id());

      CliRunner.Result purged =
          CliRunner.run("results", "purge", "--config", config.toString(), "--id", undated.id());
      assertThat(purged.exitCode()).as(purged.err()).isZero();
      assertThat(purged.out()).contains(undated.id(), "PURGED");
      assertThat(kept).doesNotExist();
      assertThat(trace(node, "trace-2"))
          .extracting(AuditEvent::type)
          .containsExactly(EventType.RESULT_KEPT, EventType.RESULT_DELETED);
      assertThat(trace(node, "trace-2").get(1).details().get("by").asText()).isEqualTo("operator");

      CliRunner.Result again =
          CliRunner.run("results", "purge", "--config", config.toString(), "--id", undated.id());
      assertThat(again.exitCode()).isEqualTo(2);
      assertThat(again.err()).contains("purged already");
      CliRunner.Result unknown =
          CliRunner.run("results", "purge", "--config", config.toString(), "--id", "nope");
      assertThat(unknown.exitCode()).isEqualTo(2);
      assertThat(unknown.err()).contains("no result nope");

      CliRunner.Result none =
          CliRunner.run(
              "results",
              "purge",
              "--config",
              config.toString(),
              "--all",
              "--agreement",
              "ag-2",
              "--json");
      assertThat(none.exitCode()).as(none.err()).isZero();
      assertThat(JSON.readTree(none.out()).size()).isZero();
      assertThat(
              CliRunner.run("results", "purge", "--config", config.toString(), "--expired")
                  .exitCode())
          .isZero();
    }
  }

  @Test
  void purgeNeedsExactlyOneSelection() {
    for (String[] args :
        List.of(
            new String[] {"results", "purge", "--config", "node.yaml"},
            new String[] {"results", "purge", "--config", "node.yaml", "--id", "x", "--expired"},
            new String[] {"results", "purge", "--config", "node.yaml", "--agreement", "a"})) {
      CliRunner.Result r = CliRunner.run(args);
      assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(2);
    }
  }

  @Test
  void theScheduleSweepsWithoutBeingAsked() throws Exception {
    Path config = node("insurer-a", DemoSpace.freePort(), "results: {sweepIntervalSeconds: 1}\n");
    try (SluiceNode node = start(config)) {
      assertThat(node.results().grace()).isEqualTo(Duration.ofHours(1));
      Path file = result(config, "matched.csv");
      ResultRecord r =
          node.results()
              .register("ag-1", "s-1", "trace-1", file, 2, Optional.of(claimsDeleteDuty("PT1H")));
      clock.advance(Duration.ofMinutes(61));
      Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> !Files.exists(file));
      Awaitility.await()
          .atMost(20, TimeUnit.SECONDS)
          .until(() -> node.results().list(Optional.empty()).get(0).state() == ResultState.DELETED);
      assertThat(trace(node, "trace-1").get(1).details().get("result").asText()).isEqualTo(r.id());
    }
  }

  @Test
  void aFailingSweepIsAuditedAndNeverStopsTheNode() throws Exception {
    int port = DemoSpace.freePort();
    Path config = node("insurer-a", port, "");
    try (SluiceNode node = start(config)) {
      node.audit().flush().join();
    }
    try (var c =
            DriverManager.getConnection("jdbc:sqlite:" + config.resolveSibling("data/node.db"));
        var s = c.createStatement()) {
      s.executeUpdate("DROP TABLE results");
    }
    try (SluiceNode node = start(config)) {
      node.audit().flush().join();
      List<AuditEvent> failures =
          node.audit().store().entries(0, 1000).stream()
              .map(AuditEntry::event)
              .filter(e -> e.type() == EventType.RESULT_SWEEP_FAILED)
              .toList();
      assertThat(failures).singleElement();
      assertThat(failures.get(0).details().get("error").asText()).isEqualTo("IO_ERROR");
      CliRunner.Result status = CliRunner.run("node", "status", "--config", config.toString());
      assertThat(status.exitCode()).as(status.err()).isZero();
    }
  }

  @Test
  void noOtherParticipantMayListOrPurgeTheResults() throws Exception {
    int port = DemoSpace.freePort();
    Path config = node("insurer-a", port, "");
    Path other = node("insurer-b", 0, "");
    try (SluiceNode node = start(config)) {
      node.results()
          .register("ag-1", "s-1", "trace-1", result(config, "r.csv"), 2, Optional.empty());
      NodeIdentity id =
          NodeIdentity.load(NodeConfigLoader.load(other), Map.of(), Clock.systemUTC());
      try (PeerChannels channels =
          new PeerChannels(id.credentials(), id.trust(), Map.of(), 8 << 20)) {
        ManagedChannel channel =
            channels.open("insurer-a", new PeerChannels.Address("127.0.0.1", port));
        try {
          var stub =
              ResultServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
          assertThatThrownBy(() -> stub.list(ListResultsRequest.getDefaultInstance()))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e ->
                      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
          assertThatThrownBy(
                  () -> stub.purge(PurgeResultsRequest.newBuilder().setExpired(true).build()))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e ->
                      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      assertThat(config.resolveSibling("r.csv")).exists();
    }
  }
}
