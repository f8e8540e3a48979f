package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The audit log fails closed, over real mTLS: when a node's store refuses to record an event of a
 * computation (here an SQLite trigger standing in for a full disk or a broken store), that node
 * stops the computation with {@code AUDIT_APPEND_FAILED}, its peer stops too, and no result is
 * written — in particular no result appears without its {@code RESULT_RELEASED} record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditFailsClosedTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  SluiceNode fund;
  SluiceNode insurer;
  Path insurerConfig;
  Path claims;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("sluice-fails-closed-");
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder settlements =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    StringBuilder csv = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 300; i++) {
      settlements.append(String.format("X%09d,2026-01-01,H1,10.00,2026-02-01%n", i));
      csv.append("C").append(i).append(String.format(",X%09d,2026-01-01,1.00%n", 2 * i));
    }
    Files.writeString(fundDir.resolve("settlements.csv"), settlements);
    Files.writeString(fundDir.resolve("any.json"), PsiOverMtlsTest.offer("any", 30, 0));
    claims = dir.resolve("claims.csv");
    Files.writeString(claims, csv);
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

  @Test
  void aConsumerWhoseLogCannotRecordItsFramesStopsAndWritesNothing() throws Exception {
    Path out = dir.resolve("frames-refused.arrow");
    CliRunner.Result r;
    try (Refusal refusal = new Refusal("insurer-a", "FRAME_SENT")) {
      r = psi(agree(), out);
    }
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("audit log could not record");
    assertThat(out).doesNotExist();
    String trace = newestTrace(insurer);
    awaitEnd(insurer, trace, "AUDIT_APPEND_FAILED");
    awaitEnd(fund, trace, null);
  }

  @Test
  void aProviderWhoseLogCannotRecordTheFramesItReceivesStopsTheComputation() throws Exception {
    Path out = dir.resolve("provider-refused.arrow");
    CliRunner.Result r;
    try (Refusal refusal = new Refusal("fund", "FRAME_RECEIVED")) {
      r = psi(agree(), out);
    }
    assertThat(r.exitCode()).as(r.out() + r.err()).isNotZero();
    assertThat(out).doesNotExist();
    String trace = newestTrace(insurer);
    awaitEnd(fund, trace, "AUDIT_APPEND_FAILED");
    awaitEnd(insurer, trace, null);
  }

  @Test
  void noResultAppearsWhenItsReleaseCannotBeRecorded() throws Exception {
    String agreement = agree();
    Path out = dir.resolve("release-refused.arrow");
    CliRunner.Result r;
    try (Refusal refusal = new Refusal("insurer-a", "RESULT_RELEASED")) {
      r = psi(agreement, out);
    }
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("audit log could not record");
    assertThat(out).doesNotExist();
    assertThat(insurer.results().list(java.util.Optional.of(agreement))).isEmpty();
    String trace = newestTrace(insurer);
    awaitEnd(insurer, trace, "AUDIT_APPEND_FAILED");
    assertThat(insurer.audit().store().entriesByTrace(trace))
        .noneMatch(e -> e.event().type() == EventType.RESULT_KEPT);
    // With the store mended, results are released again (under a new agreement: the cut-short
    // use left the old one's inform duty violated at the provider).
    Path again = dir.resolve("release-mended.arrow");
    CliRunner.Result ok = psi(agree(), again);
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(again).exists();
  }

  /** An SQLite trigger that makes one node's store refuse to insert entries of one type. */
  private final class Refusal implements AutoCloseable {
    private final Path db;
    private final String name;

    Refusal(String node, String eventType) throws SQLException {
      this.db = dir.resolve(node).resolve("data/node.db");
      this.name = "refuse_" + eventType.toLowerCase(java.util.Locale.ROOT);
      execute(
          "CREATE TRIGGER "
              + name
              + " BEFORE INSERT ON audit_entries WHEN NEW.event_type = '"
              + eventType
              + "' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    }

    private void execute(String sql) throws SQLException {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 10000");
        s.execute(sql);
      }
    }

    @Override
    public void close() throws SQLException {
      execute("DROP TRIGGER " + name);
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

  private CliRunner.Result psi(String agreement, Path out) {
    return CliRunner.run(
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
        "64",
        "--output",
        out.toString());
  }

  private static String newestTrace(SluiceNode node) {
    node.audit().flush().join();
    return node.audit().store().entries(0, Integer.MAX_VALUE).stream()
        .filter(e -> e.event().type() == EventType.COMPUTATION_STARTED)
        .reduce((a, b) -> b)
        .orElseThrow()
        .event()
        .traceId();
  }

  /** Waits until {@code node} recorded the computation's failure (with {@code code}, if given). */
  private static void awaitEnd(SluiceNode node, String trace, String code) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              node.audit().flush().join();
              List<AuditEntry> ended =
                  node.audit().store().entriesByTrace(trace).stream()
                      .filter(e -> e.event().type() == EventType.COMPUTATION_FAILED)
                      .toList();
              assertThat(ended).as(node.identity().participant() + " recorded the end").hasSize(1);
              if (code != null) {
                assertThat(ended.get(0).event().detailsJson())
                    .contains("\"code\":\"" + code + "\"");
              }
            });
  }
}
