package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.fault.FaultPoints;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer's node killed in the middle of releasing a result — after {@code RESULT_RELEASED} is
 * durable but before the file exists, and after the file is renamed into place but before it is
 * registered for deletion — never leaves a result without its record: at the next start it deletes
 * an unregistered file, records {@code RESULT_RELEASE_INTERRUPTED} and says so in its log.
 */
class ReleaseCrashTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aReleaseACrashInterruptedIsSettledAndReportedAtTheNextStart() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder settlements =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    StringBuilder claimsCsv = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 200; i++) {
      settlements.append(String.format("X%09d,2026-01-01,H1,10.00,2026-02-01%n", i));
      claimsCsv.append("C").append(i).append(String.format(",X%09d,2026-01-01,1.00%n", 2 * i));
    }
    Files.writeString(fundDir.resolve("settlements.csv"), settlements);
    Files.writeString(fundDir.resolve("any.json"), PsiOverMtlsTest.offer("any", 30, 0));
    Path claims = dir.resolve("claims.csv");
    Files.writeString(claims, claimsCsv);
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort),
            "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
                + "      - {id: any, policy: any.json}\n");
    Path insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            "");
    Path db = dir.resolve("insurer-a/data/node.db");
    try (SluiceNode fund = TestNodes.start(fundConfig)) {
      for (String point : List.of("consumer.result.released", "consumer.result.written")) {
        Path out = dir.resolve(point + ".arrow");
        try (NodeProcess insurer = insurer(insurerConfig, Map.of(FaultPoints.ENV, point))) {
          String agreement = agree(insurerConfig);
          CompletableFuture<CliRunner.Result> run =
              CompletableFuture.supplyAsync(() -> psi(insurerConfig, agreement, claims, out));
          assertThat(insurer.awaitOutput(FaultPoints.MARKER + point, Duration.ofSeconds(60)))
              .as("the insurer reached " + point)
              .isTrue();
          // the release is on record before the file exists; the file exists before it is kept
          assertThat(types(db)).endsWith("RESULT_RELEASED");
          assertThat(out)
              .as("the result file at " + point)
              .matches(p -> Files.exists(p) == point.endsWith("written"));
          insurer.kill();
          assertThat(run.get(60, TimeUnit.SECONDS).exitCode()).isNotZero();
        }
        try (NodeProcess insurer = insurer(insurerConfig, Map.of())) {
          assertThat(out).as("no result without its record").doesNotExist();
          assertThat(Files.readString(insurer.log()))
              .contains("was released when the node stopped")
              .contains(point.endsWith("written") ? "never registered" : "is missing");
          List<String> details = details(db, "RESULT_RELEASE_INTERRUPTED");
          assertThat(details.get(details.size() - 1))
              .contains("\"file\":\"" + out.getFileName() + "\"")
              .contains("\"released\":true")
              .contains(
                  point.endsWith("written")
                      ? "\"found\":\"unregistered\""
                      : "\"found\":\"nothing\"");
          CliRunner.Result list =
              CliRunner.run("results", "list", "--config", insurerConfig.toString(), "--json");
          assertThat(list.out()).doesNotContain(out.getFileName().toString());
        }
      }
    }
  }

  private static NodeProcess insurer(Path config, Map<String, String> env) {
    return NodeProcess.start(
        "insurer-a",
        config,
        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
        env,
        Duration.ofSeconds(90));
  }

  private static String agree(Path insurerConfig) throws Exception {
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

  private static CliRunner.Result psi(Path config, String agreement, Path claims, Path out) {
    return CliRunner.run(
        "compute",
        "psi",
        "--config",
        config.toString(),
        "--agreement",
        agreement,
        "--input",
        claims.toString(),
        "--keys",
        "national_id:upper,visit_date",
        "--mode",
        "psi",
        "--output",
        out.toString());
  }

  private static List<String> types(Path db) throws Exception {
    return column(db, "SELECT event_type FROM audit_entries ORDER BY seq", null);
  }

  private static List<String> details(Path db, String type) throws Exception {
    return column(db, "SELECT details FROM audit_entries WHERE event_type = ? ORDER BY seq", type);
  }

  private static List<String> column(Path db, String sql, String arg) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s = c.prepareStatement(sql)) {
      if (arg != null) {
        s.setString(1, arg);
      }
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
    }
    return out;
  }
}
