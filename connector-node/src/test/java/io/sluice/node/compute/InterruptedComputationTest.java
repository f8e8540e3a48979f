package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.identity.TestAuthority;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Computations cut short leave their end in the audit log of every node still able to write one:
 * the fund and the insurer run as node processes, a plain PSI is stopped while frames flow — one
 * side stopped with SIGTERM (it records its own end, with {@code NODE_STOPPING}, before it closes
 * its log) or killed with SIGKILL — and the other side records how the session ended for it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterruptedComputationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> JVM = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1");

  Path dir;
  Path fundConfig;
  Path insurerConfig;
  Path claims;

  @BeforeAll
  void provision() throws Exception {
    dir = Files.createTempDirectory("sluice-interrupted-");
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder settlements =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    for (int i = 0; i < 400; i++) {
      settlements.append(String.format("X%09d,2026-01-01,H1,10.00,2026-02-01%n", i));
    }
    Files.writeString(fundDir.resolve("settlements.csv"), settlements);
    Files.writeString(fundDir.resolve("any.json"), PsiOverMtlsTest.offer("any", 30, 0));
    // A short grace, so that a SIGTERM interrupts the session instead of waiting for its end.
    String limits = "limits: {shutdownGraceMillis: 200}\n";
    fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort),
            "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
                + "      - {id: any, policy: any.json}\n"
                + limits);
    insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            limits);
    claims = dir.resolve("claims.csv");
    StringBuilder csv = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 200_000; i++) {
      csv.append("C").append(i).append(String.format(",X%09d,2026-01-01,1.00%n", 1_000_000 + i));
    }
    Files.writeString(claims, csv);
  }

  @AfterAll
  void clean() throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aProviderStoppedMidSessionRecordsItsEndBeforeItClosesItsLogAndSoDoesTheConsumer()
      throws Exception {
    interrupt("fund", false);
  }

  @Test
  void aConsumerStoppedMidSessionRecordsItsEndBeforeItClosesItsLogAndSoDoesTheProvider()
      throws Exception {
    interrupt("insurer-a", false);
  }

  @Test
  void whenTheConsumerCrashesMidSessionTheProviderRecordsTheEnd() throws Exception {
    interrupt("insurer-a", true);
  }

  @Test
  void whenTheProviderCrashesMidSessionTheConsumerRecordsTheEnd() throws Exception {
    interrupt("fund", true);
  }

  /** Runs a PSI, stops {@code victim} (SIGKILL when {@code crash}, else SIGTERM) while it runs. */
  private void interrupt(String victim, boolean crash) throws Exception {
    String other = victim.equals("fund") ? "insurer-a" : "fund";
    try (NodeProcess fund = start("fund");
        NodeProcess insurer = start("insurer-a")) {
      NodeProcess victimNode = victim.equals("fund") ? fund : insurer;
      // A use cut short leaves the agreement's inform duty violated at the provider, which then
      // refuses it: every run needs its own agreement.
      String agreement = agree();
      Path out = dir.resolve("out-" + victim + "-" + crash + ".arrow");
      long seen = entries(db(victim)).size();
      CompletableFuture<CliRunner.Result> run =
          CompletableFuture.supplyAsync(
              () ->
                  CliRunner.run(
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
                      "psi",
                      "--batch-size",
                      "512",
                      "--output",
                      out.toString()));
      String trace = awaitFramesFlowing(db(victim), seen, run);
      if (crash) {
        victimNode.kill();
      } else {
        assertThat(victimNode.stop()).as("a clean exit after SIGTERM").isZero();
      }
      CliRunner.Result result = run.get(2, TimeUnit.MINUTES);
      assertThat(result.exitCode()).as(result.out() + result.err()).isNotZero();
      assertThat(out).doesNotExist();

      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(end(db(other), trace))
                      .as(other + " recorded how the session ended")
                      .hasValueSatisfying(
                          e -> assertThat(e.type()).isEqualTo("COMPUTATION_FAILED")));
      if (!crash) {
        List<Entry> log = entries(db(victim));
        Entry ended = end(db(victim), trace).orElseThrow();
        assertThat(ended.type()).isEqualTo("COMPUTATION_FAILED");
        assertThat(ended.details()).contains("\"code\":\"NODE_STOPPING\"");
        Entry stopped = log.get(log.size() - 1);
        assertThat(stopped.type()).as("the log is closed last").isEqualTo("NODE_STOPPED");
        assertThat(ended.seq()).isLessThan(stopped.seq());
        assertThat(Files.readString(victimNode.log())).doesNotContain("audit log is closed");
      }
    }
  }

  private String agree() throws IOException {
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
            "any",
            "--purpose",
            "claims-settlement",
            "--json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return JSON.readTree(r.out()).at("/agreement/agreementId").asText();
  }

  private NodeProcess start(String participant) {
    Path config = participant.equals("fund") ? fundConfig : insurerConfig;
    return NodeProcess.start(participant, config, JVM, Duration.ofSeconds(90));
  }

  private Path db(String participant) {
    return dir.resolve(participant).resolve("data/node.db");
  }

  /** One audit entry as stored. */
  record Entry(long seq, String type, String trace, String details) {}

  /**
   * Waits until a computation logged in {@code db} after its first {@code seen} entries has started
   * and moved frames, and has not ended; returns its trace id.
   */
  private static String awaitFramesFlowing(
      Path db, long seen, CompletableFuture<CliRunner.Result> run) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (run.isDone()) {
                CliRunner.Result r = run.join();
                throw new AssertionError("the computation ended first: " + r.out() + r.err());
              }
              List<Entry> all = entries(db);
              List<Entry> log = all.subList((int) Math.min(seen, all.size()), all.size());
              Optional<Entry> started =
                  log.stream()
                      .filter(e -> e.type().equals("COMPUTATION_STARTED"))
                      .reduce((a, b) -> b);
              if (started.isEmpty()) {
                return null;
              }
              String trace = started.get().trace();
              long frames =
                  log.stream()
                      .filter(e -> e.trace().equals(trace) && e.type().startsWith("FRAME_"))
                      .count();
              boolean ended =
                  log.stream().anyMatch(e -> e.trace().equals(trace) && isEnd(e.type()));
              assertThat(ended).as("the computation was still running when seen").isFalse();
              return frames >= 2 ? trace : null;
            },
            t -> t != null);
  }

  private static boolean isEnd(String type) {
    return type.equals("COMPUTATION_FAILED") || type.equals("COMPUTATION_FINISHED");
  }

  private static Optional<Entry> end(Path db, String trace) throws SQLException {
    return entries(db).stream().filter(e -> e.trace().equals(trace) && isEnd(e.type())).findFirst();
  }

  private static List<Entry> entries(Path db) throws SQLException {
    List<Entry> out = new ArrayList<>();
    if (!Files.exists(db)) {
      return out;
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s =
            c.prepareStatement(
                "SELECT seq, event_type, trace_id, details FROM audit_entries ORDER BY seq");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.add(new Entry(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
      }
    }
    return out;
  }
}
