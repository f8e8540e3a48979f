package io.sluice.node.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.fault.FaultPoints;
import io.sluice.identity.TestAuthority;
import io.sluice.negotiation.JdbcNegotiationStore;
import io.sluice.negotiation.Negotiation;
import io.sluice.negotiation.NegotiationState;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeProcess;
import io.sluice.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fund and the insurer run as separate node processes. For every step of the negotiation, one
 * of them is frozen exactly at that step and killed with SIGKILL, then restarted; once recovery
 * settles both stores must agree: no agreement FINALIZED on one side and absent on the other. Each
 * request carries a request id: where the kill cost the client its answer, asking by that id finds
 * the negotiation, and repeating the request returns it instead of starting another. {@code
 * NegotiationStormContractTest} kills nodes in the middle of many concurrent negotiations.
 */
class NegotiationCrashRecoveryTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** Where each side is killed: every persisted state and every message received. */
  static final List<String[]> STEPS =
      List.of(
          new String[] {"insurer-a", "consumer.request.persisted"},
          new String[] {"fund", "provider.request.received"},
          new String[] {"fund", "provider.agreement.persisted"},
          new String[] {"insurer-a", "consumer.agreement.received"},
          new String[] {"insurer-a", "consumer.verification.persisted"},
          new String[] {"fund", "provider.verification.received"},
          new String[] {"fund", "provider.finalized.persisted"},
          new String[] {"insurer-a", "consumer.event.received"});

  /** Retries that outlast a restart here without making the test wait for long back-offs. */
  static final String RETRIES =
      "negotiation: {retryInitialMillis: 200, retryMaxMillis: 2000, retryWindowSeconds: 120,"
          + " agreedTimeoutSeconds: 240}\n";

  @TempDir Path dir;

  @Test
  void killingEitherNodeAtEveryStepLeavesBothStoresInAgreement() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    Files.writeString(fundDir.resolve("settlements.csv"), "person_id,settled_amount\nA1,100.50\n");
    Files.writeString(
        fundDir.resolve("claims.json"),
        TestNodes.claimsOffer(
            "sluice://health/fund", "urn:sluice:dataset:settlements", "2027-12-31T23:59:59Z"));
    Map<String, Path> configs =
        Map.of(
            "fund",
            TestNodes.provision(
                ca,
                dir,
                "fund",
                List.of("medical-insurance-fund"),
                null,
                fundPort,
                Map.of("insurer-a", insurerPort),
                RETRIES
                    + "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n      - id: claims-matching\n        policy: claims.json\n"),
            "insurer-a",
            TestNodes.provision(
                ca,
                dir,
                "insurer-a",
                List.of("commercial-insurer"),
                null,
                insurerPort,
                Map.of("fund", fundPort),
                RETRIES));
    Map<String, NodeProcess> nodes = new java.util.HashMap<>();
    try {
      nodes.put(
          "fund", NodeProcess.start("fund", configs.get("fund"), JVM, Duration.ofSeconds(60)));
      nodes.put(
          "insurer-a",
          NodeProcess.start("insurer-a", configs.get("insurer-a"), JVM, Duration.ofSeconds(60)));
      int round = 0;
      for (String[] step : STEPS) {
        round++;
        String victim = step[0];
        String point = step[1];
        nodes.get(victim).stop();
        nodes.put(
            victim,
            NodeProcess.start(
                victim,
                configs.get(victim),
                JVM,
                Map.of(FaultPoints.ENV, point),
                Duration.ofSeconds(60)));

        String requestId = "round-" + round;
        CompletableFuture<CliRunner.Result> request =
            CompletableFuture.supplyAsync(() -> request(configs, requestId));
        assertThat(
                nodes.get(victim).awaitOutput(FaultPoints.MARKER + point, Duration.ofSeconds(60)))
            .as("%s reached %s", victim, point)
            .isTrue();
        nodes.get(victim).kill();
        nodes.put(
            victim, NodeProcess.start(victim, configs.get(victim), JVM, Duration.ofSeconds(60)));
        CliRunner.Result first = request.join(); // depends on where the kill happened
        awaitSettled(configs, round);
        if (victim.equals("insurer-a") && first.exitCode() != 0) {
          // The client lost its answer with the node; the request id is its handle.
          assertThat(first.err()).contains("--request-id " + requestId);
        }
        JsonNode shown = show(configs, requestId);
        assertThat(shown.at("/requestId").asText()).isEqualTo(requestId);
        CliRunner.Result again = request(configs, requestId);
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(JSON.readTree(again.out()).at("/negotiation/negotiationId"))
            .as("repeating %s returns the negotiation it started", requestId)
            .isEqualTo(shown.at("/negotiation/negotiationId"));
      }
    } finally {
      nodes.values().forEach(NodeProcess::close);
    }

    // Both nodes are stopped cleanly; compare their stores directly.
    try (Database fundDb = Database.open("jdbc:sqlite:" + fundDir.resolve("data/node.db"));
        Database insurerDb =
            Database.open("jdbc:sqlite:" + dir.resolve("insurer-a/data/node.db"))) {
      NegotiationStore provider = new JdbcNegotiationStore(fundDb);
      NegotiationStore consumer = new JdbcNegotiationStore(insurerDb);
      List<Negotiation> consumerSide = consumer.list();
      assertThat(consumerSide).hasSize(STEPS.size());
      for (Negotiation c : consumerSide) {
        assertThat(c.role()).isEqualTo(Role.CONSUMER);
        assertThat(c.state())
            .as("consumer negotiation %s: %s", c.id(), c.reasons())
            .isEqualTo(NegotiationState.FINALIZED);
        Negotiation p = provider.findByPeer(Role.PROVIDER, "insurer-a", c.id()).orElseThrow();
        assertThat(p.state()).isEqualTo(NegotiationState.FINALIZED);
        assertThat(p.agreementId()).isEqualTo(c.agreementId());
        var mine = consumer.agreement(c.agreementId()).orElseThrow();
        var theirs = provider.agreement(c.agreementId()).orElseThrow();
        assertThat(mine.signedAgreement()).isEqualTo(theirs.signedAgreement());
        assertThat(mine.finalized()).isTrue();
        assertThat(theirs.finalized()).isTrue();
      }
      // no agreement exists on one side only
      assertThat(provider.agreements()).hasSameSizeAs(consumer.agreements());
    }
  }

  private static CliRunner.Result request(Map<String, Path> configs, String requestId) {
    return CliRunner.run(
        "contract",
        "request",
        "--config",
        configs.get("insurer-a").toString(),
        "--peer",
        "fund",
        "--dataset",
        "settlements",
        "--purpose",
        "claims-settlement",
        "--request-id",
        requestId,
        "--json");
  }

  private static JsonNode show(Map<String, Path> configs, String requestId) throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "show",
            requestId,
            "--config",
            configs.get("insurer-a").toString(),
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  /**
   * Waits until both nodes report {@code count} negotiations, all of them final and in the same
   * state.
   */
  private static void awaitSettled(Map<String, Path> configs, int count) {
    Awaitility.await("both stores settle on " + count + " negotiations")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              List<String> consumer = states(configs.get("insurer-a"));
              List<String> provider = states(configs.get("fund"));
              return consumer.size() == count
                  && provider.size() == count
                  && consumer.stream()
                      .allMatch(s -> s.equals("FINALIZED") || s.equals("TERMINATED"))
                  && consumer.stream()
                      .sorted()
                      .toList()
                      .equals(provider.stream().sorted().toList());
            });
  }

  private static List<String> states(Path config) throws Exception {
    CliRunner.Result r = CliRunner.run("contract", "list", "--config", config.toString(), "--json");
    List<String> states = new ArrayList<>();
    if (r.exitCode() != 0) {
      return states;
    }
    for (JsonNode n : JSON.readTree(r.out())) {
      states.add(n.get("state").asText());
    }
    return states;
  }
}
