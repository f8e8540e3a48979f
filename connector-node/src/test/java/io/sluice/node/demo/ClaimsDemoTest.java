package io.sluice.node.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditStore;
import io.sluice.audit.EventType;
import io.sluice.audit.trace.Finding;
import io.sluice.audit.trace.TraceReport;
import io.sluice.audit.trace.TraceStatus;
import io.sluice.node.audit.TraceCollector;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.store.Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, end to end with node processes over mTLS: negotiation, a refusal,
 * labelled PSI whose revealed amounts are checked against the fund's data, the trace verified and
 * paired across both nodes — and then a fund that rewrites its own log to claim another digest for
 * a frame, and re-signs it, is caught twice: by the pairing, and because its new head is not
 * consistent with the one the insurer's node holds it to since the trace.
 */
class ClaimsDemoTest {
  @TempDir Path dir;

  @Test
  void claimsDemoEndToEndAndAForgedDigestIsCaughtByThePairingAndByConsistency() throws Exception {
    StringWriter narration = new StringWriter();
    ClaimsDemo.Result result = new ClaimsDemo(new PrintWriter(narration, true)).run(dir, 3000);
    String text = narration.toString();

    assertThat(result.psi().getOutcome()).isEqualTo("released");
    assertThat(result.psi().getMatchedRows()).isEqualTo(result.expectedMatches());
    assertThat(result.wrongLabels()).isZero();
    assertThat(result.refusal()).contains("sluice:outputColumns");
    // The fund learns the insurer's distinct keys: repeated claims of one visit count once.
    assertThat(result.fundSawReceiverKeys()).isEqualTo(result.psi().getInputKeys());
    assertThat(result.psi().getInputKeys()).isPositive().isLessThanOrEqualTo(300);
    assertThat(result.psi().getInputRows()).isEqualTo(300);
    assertThat(result.psi().getSkippedRows()).as("claims without an id").isPositive();
    assertThat(result.traceVerified()).isTrue();
    assertThat(Files.readString(result.traceHtml())).contains("VERIFIED").contains("<svg");
    assertThat(text).contains("TERMINATED").contains("insurer owes").contains("VERIFIED");

    // No national id (a letter and nine digits) reaches either node's log or the audit details.
    Pattern nationalId = Pattern.compile("(?i)\\b[a-z][0-9]{9}\\b");
    for (String node : List.of("fund", "insurer-a")) {
      String log = Files.readString(result.space().node(node).dir().resolve("node.log"));
      assertThat(nationalId.matcher(log).find())
          .as(node + "/node.log holds no national id")
          .isFalse();
    }
    String traceId = result.psi().getTraceId();
    Path fundDb = result.space().node("fund").dir().resolve("data/node.db");
    try (Database db = Database.open("jdbc:sqlite:" + fundDb)) {
      for (AuditEntry e : new AuditStore(db).entriesByTrace(traceId)) {
        assertThat(nationalId.matcher(e.event().detailsJson()).find()).isFalse();
      }
    }

    // The fund rewrites one received frame's digest, recomputes the leaf and drops its heads so
    // that it can re-sign: its own proofs verify again, but the pairing does not.
    try (Database db = Database.open("jdbc:sqlite:" + fundDb)) {
      AuditEntry frame =
          new AuditStore(db)
              .entriesByTrace(traceId).stream()
                  .filter(e -> e.event().type() == EventType.FRAME_RECEIVED)
                  .findFirst()
                  .orElseThrow();
      AuditEvent original = frame.event();
      byte[] forged = original.digest().clone();
      forged[0] ^= 0x55;
      AuditEvent altered =
          AuditEvent.builder(original.type())
              .time(original.time())
              .traceId(original.traceId())
              .sessionId(original.sessionId())
              .actor(original.actor())
              .counterparty(original.counterparty())
              .agreementId(original.agreementId())
              .details(original.details())
              .digest(forged)
              .build();
      AuditEntry rewritten = new AuditEntry(frame.sequence(), altered);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + fundDb)) {
        try (PreparedStatement s =
            c.prepareStatement(
                "UPDATE audit_entries SET digest = ?, leaf_hash = ? WHERE seq = ?")) {
          s.setBytes(1, forged);
          s.setBytes(2, rewritten.leafHash());
          s.setLong(3, frame.sequence());
          assertThat(s.executeUpdate()).isEqualTo(1);
        }
        try (var s = c.createStatement()) {
          s.executeUpdate("DELETE FROM audit_tree_heads");
        }
      }
    }
    try (NodeFleet fleet = NodeFleet.start(result.space(), List.of("-Xmx256m"))) {
      Map<String, PeerChannels.Address> addresses = new LinkedHashMap<>();
      result
          .space()
          .nodes()
          .forEach((id, n) -> addresses.put(id, new PeerChannels.Address("127.0.0.1", n.port())));
      TraceReport report =
          new TraceCollector(
                  result.space().node("insurer-a").credentials(),
                  result.space().trust(),
                  addresses,
                  60_000)
              .collect(traceId, List.of("insurer-a", "fund"));
      assertThat(report.participants())
          .allSatisfy(
              p -> assertThat(p.proofsVerified()).as(p.id() + " re-signed its log").isTrue());
      assertThat(report.status()).isEqualTo(TraceStatus.DISCREPANCIES);
      assertThat(report.discrepancies())
          .anySatisfy(
              f -> {
                assertThat(f.kind()).isEqualTo(Finding.Kind.DIGEST_MISMATCH);
                assertThat(List.of(f.node(), f.counterparty()))
                    .containsExactlyInAnyOrder("fund", "insurer-a");
              });
      assertThat(report.discrepancies())
          .anySatisfy(
              f -> {
                assertThat(f.kind()).isEqualTo(Finding.Kind.HEADS_INCONSISTENT);
                assertThat(f.node()).isEqualTo("fund");
                assertThat(f.counterparty()).isEqualTo("insurer-a");
                assertThat(f.message()).contains("fund rewrote its audit log");
              });
      fleet.stop();
    }
  }
}
