package io.sluice.node.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes over real mTLS hold each other to the heads of their audit logs: every computation ends
 * with both holding a recent signed head of the other, and a provider that afterwards rewrites an
 * entry of that computation and re-signs its whole log — so that its own {@code audit verify}
 * passes — is caught by the consumer through consistency alone: by {@code audit check-peer}, which
 * pairs nothing, and in {@code audit trace}, where the rewritten entry is one the pairing does not
 * compare.
 */
class PeerHeadsOverMtlsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aLogRewrittenAndResignedAfterAComputationIsCaughtByItsPeerThroughConsistencyAlone()
      throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder settlements =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    StringBuilder claims = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 200; i++) {
      settlements.append(String.format("X%09d,2026-01-01,H1,10.00,2026-02-01%n", i));
      claims.append("C").append(i).append(String.format(",X%09d,2026-01-01,1.00%n", 2 * i));
    }
    Files.writeString(fundDir.resolve("settlements.csv"), settlements);
    Files.writeString(fundDir.resolve("any.json"), psiOffer());
    Path claimsFile = dir.resolve("claims.csv");
    Files.writeString(claimsFile, claims);
    String schedule = "audit: {signIntervalSeconds: 1}\n";
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
                + "      - {id: any, policy: any.json}\n"
                + schedule);
    Path insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            schedule);
    String insurer = insurerConfig.toString();
    String trace;
    long held;
    try (SluiceNode insurerNode = TestNodes.start(insurerConfig)) {
      try (SluiceNode fund = TestNodes.start(fundConfig)) {
        awaitHead(fund);
        awaitHead(insurerNode);
        String agreement = agree(insurer);
        trace = psi(insurer, agreement, claimsFile, dir.resolve("first.arrow"));
        for (SluiceNode node : List.of(insurerNode, fund)) {
          assertThat(finished(node, trace)).isEqualTo("first");
        }
        AuditEntry requested =
            fund.audit().store().entriesByTrace(trace).stream()
                .filter(e -> e.event().type() == EventType.COMPUTATION_REQUESTED)
                .findFirst()
                .orElseThrow();
        // The heads exchanged are the ones each log signed on its schedule: the next computation
        // ends with a head that covers this one.
        for (SluiceNode node : List.of(insurerNode, fund)) {
          long size = node.audit().size();
          Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> node.audit().latestHead().orElseThrow().head().size() >= size);
        }
        String second = psi(insurer, agreement, claimsFile, dir.resolve("second.arrow"));

        // The second computation ended with each node holding the other to a recent head, proven
        // consistent with the one from the first, and on record in both logs.
        AuditEvent received = single(insurerNode, second, EventType.PEER_HEAD_RECEIVED);
        assertThat(received.counterparty()).isEqualTo("fund");
        held = received.details().get("treeSize").asLong();
        assertThat(single(fund, second, EventType.PEER_HEAD_RECEIVED).counterparty())
            .isEqualTo("insurer-a");
        for (SluiceNode node : List.of(insurerNode, fund)) {
          assertThat(finished(node, second)).isEqualTo("consistent");
        }
        assertThat(requested.sequence())
            .as("the head the insurer holds covers the entry the fund rewrites below")
            .isLessThan(held);
      }

      // The fund rewrites what it recorded of the insurer's request, recomputes the leaf hash and
      // drops its heads, so that it can sign its rewritten log anew.
      Path fundDb = fundDir.resolve("data/node.db");
      rewriteRequest(fundDb, trace);
      try (SluiceNode fund = TestNodes.start(fundConfig)) {
        awaitHead(fund);
        CliRunner.Result verify =
            CliRunner.run("audit", "verify", "--config", fundConfig.toString());
        assertThat(verify.exitCode())
            .as("the rewritten log verifies on its own: " + verify.out())
            .isZero();

        CliRunner.Result check = checkPeer(insurer);
        assertThat(check.exitCode()).as(check.out() + check.err()).isEqualTo(1);
        JsonNode verdict = JSON.readTree(check.out());
        assertThat(verdict.get("verdict").asText()).isEqualTo("INCONSISTENT");
        assertThat(verdict.get("heldSize").asLong()).isEqualTo(held);
        long newSize = verdict.get("newSize").asLong();
        assertThat(verdict.get("message").asText())
            .contains("fund rewrote its audit log")
            .contains("size " + newSize)
            .contains("size " + held)
            .contains("insurer-a");
        AuditEvent caught =
            insurerNode.audit().store().entries(0, 100_000).stream()
                .map(AuditEntry::event)
                .filter(e -> e.type() == EventType.PEER_LOG_INCONSISTENT)
                .findFirst()
                .orElseThrow();
        assertThat(caught.counterparty()).isEqualTo("fund");
        assertThat(caught.details().get("heldSize").asLong()).isEqualTo(held);

        // The trace: every inclusion proof verifies against the new head, and the rewritten entry
        // is not one the pairing compares — the only discrepancy is the rewrite itself.
        CliRunner.Result traced =
            CliRunner.run(
                "audit",
                "trace",
                trace,
                "--config",
                insurer,
                "--nodes",
                "insurer-a,fund",
                "--format",
                "json");
        assertThat(traced.exitCode()).as(traced.err()).isEqualTo(1);
        JsonNode report = JSON.readTree(traced.out());
        for (JsonNode p : report.get("participants")) {
          assertThat(p.get("proofsVerified").asBoolean()).as(p.toString()).isTrue();
        }
        List<String> kinds = new ArrayList<>();
        report.get("discrepancies").forEach(d -> kinds.add(d.get("kind").asText()));
        assertThat(kinds).containsExactly("HEADS_INCONSISTENT");
        JsonNode d = report.get("discrepancies").get(0);
        assertThat(d.get("node").asText()).isEqualTo("fund");
        assertThat(d.get("counterparty").asText()).isEqualTo("insurer-a");
        assertThat(d.get("message").asText()).contains("size " + held);
        assertThat(report.at("/summary/framesPaired").asLong()).isPositive();
      }

      // Had it also wiped the record of which heads it handed out, it cannot prove anything: still
      // a finding, and the insurer still holds it to the old head.
      clearIssued(fundDb);
      try (SluiceNode fund = TestNodes.start(fundConfig)) {
        awaitHead(fund);
        CliRunner.Result check = checkPeer(insurer);
        assertThat(check.exitCode()).as(check.out() + check.err()).isEqualTo(1);
        JsonNode verdict = JSON.readTree(check.out());
        assertThat(verdict.get("verdict").asText()).isEqualTo("UNPROVEN");
        assertThat(verdict.get("heldSize").asLong()).isEqualTo(held);
      }
    }
  }

  /** The shipped claims offer, for plain PSI. */
  private static String psiOffer() throws Exception {
    ObjectNode root =
        (ObjectNode)
            JSON.readTree(
                TestNodes.claimsOffer(
                    "sluice://health/fund",
                    "urn:sluice:dataset:settlements",
                    "2027-12-31T23:59:59Z"));
    for (JsonNode c : root.get("permission").get(0).get("constraint")) {
      if (c.get("leftOperand").asText().equals("sluice:computation")) {
        ((ObjectNode) c).put("rightOperand", "psi");
      }
    }
    return JSON.writeValueAsString(root);
  }

  private static String psi(String insurer, String agreement, Path claims, Path out)
      throws Exception {
    CliRunner.Result run =
        CliRunner.run(
            "compute",
            "psi",
            "--config",
            insurer,
            "--agreement",
            agreement,
            "--input",
            claims.toString(),
            "--keys",
            "national_id:upper,visit_date",
            "--mode",
            "psi",
            "--output",
            out.toString(),
            "--json");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    return JSON.readTree(run.out()).get("traceId").asText();
  }

  /** The verdict on the peer's head in the computation's end entry. */
  private static String finished(SluiceNode node, String trace) {
    return single(node, trace, EventType.COMPUTATION_FINISHED).details().get("peerHead").asText();
  }

  private static long count(SluiceNode node, String trace, EventType type) {
    node.audit().flush().join();
    return node.audit().store().entriesByTrace(trace).stream()
        .filter(e -> e.event().type() == type)
        .count();
  }

  private static CliRunner.Result checkPeer(String config) {
    return CliRunner.run("audit", "check-peer", "--config", config, "--peer", "fund", "--json");
  }

  private static void awaitHead(SluiceNode node) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> node.audit().latestHead().isPresent());
  }

  private static AuditEvent single(SluiceNode node, String trace, EventType type) {
    // The sender records the end of the exchange once the stream has closed, which may be a moment
    // after the receiver's CLI returned: wait for the entry, then require exactly one.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> count(node, trace, type) > 0);
    List<AuditEvent> events =
        node.audit().store().entriesByTrace(trace).stream()
            .map(AuditEntry::event)
            .filter(e -> e.type() == type)
            .toList();
    assertThat(events).as(node.identity().participant() + ": " + type).hasSize(1);
    return events.get(0);
  }

  private static String agree(String insurer) throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurer,
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

  /** Claims the insurer asked about one key more, re-encodes the leaf, drops every head. */
  private static void rewriteRequest(Path db, String trace) throws Exception {
    AuditEntry requested;
    try (var database = io.sluice.store.Database.open("jdbc:sqlite:" + db)) {
      requested =
          new io.sluice.audit.AuditStore(database)
              .entriesByTrace(trace).stream()
                  .filter(e -> e.event().type() == EventType.COMPUTATION_REQUESTED)
                  .findFirst()
                  .orElseThrow();
    }
    AuditEvent original = requested.event();
    ObjectNode details = original.details();
    details.put("receiverKeys", details.get("receiverKeys").asLong() + 1);
    AuditEvent altered =
        AuditEvent.builder(original.type())
            .time(original.time())
            .traceId(original.traceId())
            .sessionId(original.sessionId())
            .actor(original.actor())
            .counterparty(original.counterparty())
            .agreementId(original.agreementId())
            .details(details)
            .digest(original.digest())
            .build();
    AuditEntry rewritten = new AuditEntry(requested.sequence(), altered);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (PreparedStatement s =
          c.prepareStatement("UPDATE audit_entries SET details = ?, leaf_hash = ? WHERE seq = ?")) {
        s.setString(1, altered.detailsJson());
        s.setBytes(2, rewritten.leafHash());
        s.setLong(3, requested.sequence());
        assertThat(s.executeUpdate()).isEqualTo(1);
      }
      try (Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM audit_tree_heads");
      }
    }
  }

  private static void clearIssued(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM audit_heads_issued");
    }
  }
}
