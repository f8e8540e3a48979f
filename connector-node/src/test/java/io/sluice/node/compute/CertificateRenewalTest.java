package io.sluice.node.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.audit.EventType;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import io.sluice.identity.TestAuthority;
import io.sluice.node.ShiftedClock;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renewing a node's certificate (same participant, new key) the way an operator does it, through
 * the CLI (node renew, authority issue, node renew --install, restart), keeps its agreements: a
 * computation under an agreement the old certificate signed runs after the old certificate has
 * expired and after it was revoked as superseded; revoked for a compromised key, it does not.
 */
class CertificateRenewalTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  TestAuthority ca;
  Path passphrase;
  final ShiftedClock fundClock = new ShiftedClock();
  final ShiftedClock insurerClock = new ShiftedClock();
  SluiceNode fund;
  SluiceNode insurer;
  Path insurerConfig;
  Path claims;
  int runs;

  @BeforeEach
  void start() throws IOException {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    passphrase = dir.resolve("authority-pass.txt");
    Files.writeString(passphrase, "unused: the test authority's key is not encrypted\n");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir);
    StringBuilder settlements =
        new StringBuilder("national_id,visit_date,hospital,settled_amount,settlement_date\n");
    StringBuilder asked = new StringBuilder("claim_id,national_id,visit_date,claimed_amount\n");
    for (int i = 0; i < 40; i++) {
      settlements.append(
          String.format("X%09d,2026-03-1%d,H1,%d.50,2026-10-01%n", i, i % 10, 100 + i));
      if (i % 4 == 0) {
        asked.append(String.format("C%d,x%09d,2026-03-1%d,10.00%n", i, i, i % 10));
      }
    }
    asked.append("C99,X999999999,2026-03-10,1.00\n");
    Files.writeString(fundDir.resolve("settlements.csv"), settlements);
    claims = dir.resolve("claims.csv");
    Files.writeString(claims, asked);
    Files.writeString(fundDir.resolve("label.json"), PsiOverMtlsTest.offer("psi-label", 30, 0));
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
                + "      - {id: label, policy: label.json}\n",
            Duration.ofDays(90));
    // The insurer's first certificate is short-lived: it expires while its agreements run on.
    insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            "insurer passphrase".toCharArray(),
            insurerPort,
            Map.of("fund", fundPort),
            "",
            Duration.ofDays(2));
    fund = TestNodes.start(fundConfig, fundClock);
    insurer = TestNodes.start(insurerConfig, insurerClock);
  }

  @AfterEach
  void stop() {
    if (insurer != null) {
      insurer.close();
    }
    if (fund != null) {
      fund.close();
    }
  }

  static CliRunner.Result ok(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  String agree() throws IOException {
    CliRunner.Result r =
        ok(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--offer",
            "label",
            "--purpose",
            "claims-settlement",
            "--json");
    return JSON.readTree(r.out()).at("/agreement/agreementId").asText();
  }

  CliRunner.Result psi(String agreement) {
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
        "psi-label",
        "--output",
        dir.resolve("matched-" + (++runs) + ".csv").toString(),
        "--json");
  }

  void assertReleased(CliRunner.Result r) throws IOException {
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode summary = JSON.readTree(r.out());
    assertThat(summary.get("outcome").asText()).isEqualTo("released");
    assertThat(summary.get("outputRows").asLong()).isEqualTo(10);
  }

  /** The operator's renewal, as the README describes it; returns the previous certificate. */
  Path renewInsurer() throws IOException {
    Path next = dir.resolve("insurer-a/next");
    ok("node", "renew", "--config", insurerConfig.toString());
    assertThat(next.resolve("node.key")).exists();
    assertThat(Files.readString(next.resolve("node.key"))).contains("ENCRYPTED PRIVATE KEY");
    ok(
        "authority",
        "issue",
        "--dir",
        ca.dir.toString(),
        "--csr",
        next.resolve("node.csr").toString(),
        "--roles",
        "commercial-insurer",
        "--attr",
        "industry=testing",
        "--days",
        "365",
        "--out",
        next.resolve("node.crt").toString(),
        "--passphrase-file",
        passphrase.toString());
    CliRunner.Result installed =
        ok("node", "renew", "--config", insurerConfig.toString(), "--install");
    Path previous = dir.resolve("insurer-a/previous/node.crt");
    assertThat(installed.out()).contains(previous.toString()).contains("--reason superseded");
    assertThat(next).doesNotExist();
    insurer.close();
    insurer = TestNodes.start(insurerConfig, insurerClock);
    return previous;
  }

  @Test
  void aRenewedNodeComputesUnderItsOldAgreementAfterTheOldCertificateExpired() throws Exception {
    String agreement = agree();
    assertReleased(psi(agreement));
    X509Certificate before = PemFiles.readCertificate(dir.resolve("insurer-a/node.crt"));

    Path previous = renewInsurer();

    X509Certificate after = PemFiles.readCertificate(dir.resolve("insurer-a/node.crt"));
    assertThat(after.getPublicKey()).isNotEqualTo(before.getPublicKey());
    assertThat(PeerIdentity.fromCertificate(after).id())
        .isEqualTo(PeerIdentity.fromCertificate(before).id());
    assertThat(PemFiles.readCertificate(previous)).isEqualTo(before);
    assertThat(TestNodes.audited(insurer, EventType.KEY_CHANGED)).hasSize(1);

    // Three days on, the certificate that signed the agreement has expired on both nodes' clocks.
    Instant later = Instant.now().plus(Duration.ofDays(3));
    assertThat(later).isAfter(before.getNotAfter().toInstant());
    fundClock.set(later);
    insurerClock.set(later);
    assertReleased(psi(agreement));

    ok(
        "authority",
        "revoke",
        "--dir",
        ca.dir.toString(),
        "--cert",
        previous.toString(),
        "--reason",
        "superseded",
        "--passphrase-file",
        passphrase.toString());
    assertReleased(psi(agreement));
    ok("audit", "verify", "--config", insurerConfig.toString());
  }

  @Test
  void aCompromisedOldKeyEndsTheAgreementsItSigned() throws Exception {
    String agreement = agree();
    Path previous = renewInsurer();
    ok(
        "authority",
        "revoke",
        "--dir",
        ca.dir.toString(),
        "--cert",
        previous.toString(),
        "--reason",
        "keyCompromise",
        "--passphrase-file",
        passphrase.toString());

    CliRunner.Result refused = psi(agreement);
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("does not verify").contains("is revoked (key_compromise");
    String fresh = agree();
    assertReleased(psi(fresh));
  }
}
