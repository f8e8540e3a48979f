package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.identity.Authority;
import io.sluice.identity.PemFiles;
import io.sluice.identity.TestAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorityCliTest {
  @TempDir Path dir;
  Path pass;
  Path wrong;

  @BeforeEach
  void passphrases() throws Exception {
    pass = dir.resolve("pass.txt");
    Files.writeString(pass, "s3cret passphrase\n");
    wrong = dir.resolve("wrong.txt");
    Files.writeString(wrong, "not it\n");
  }

  private Cli ok(String... args) {
    Cli r = Cli.run(args);
    assertThat(r.exitCode()).as(r.err()).isZero();
    return r;
  }

  @Test
  void provisionsInspectsAndRevokesThroughTheCli() throws Exception {
    String auth = dir.resolve("auth").toString();
    String node = dir.resolve("node").toString();
    ok(
        "authority",
        "init",
        "--dir",
        auth,
        "--space",
        "health",
        "--name",
        "Health DS",
        "--passphrase-file",
        pass.toString());
    ok(
        "node",
        "init",
        "--dir",
        node,
        "--participant",
        "insurer-a",
        "--org",
        "Allied",
        "--host",
        "insurer-a.example",
        "--passphrase-file",
        pass.toString());
    Cli issued =
        ok(
            "authority",
            "issue",
            "--dir",
            auth,
            "--csr",
            node + "/node.csr",
            "--roles",
            "commercial-insurer,operator",
            "--attr",
            "industry=insurance",
            "--attr",
            "country=DE",
            "--days",
            "90",
            "--out",
            node + "/node.crt",
            "--passphrase-file",
            pass.toString());
    assertThat(issued.out()).contains("sluice://health/insurer-a");

    Cli shown = ok("cert", "show", node + "/node.crt");
    assertThat(shown.out())
        .contains("participant  insurer-a  (sluice://health/insurer-a)")
        .contains("organization Allied")
        .contains("roles        commercial-insurer, operator")
        .contains("attributes   country=DE, industry=insurance")
        .containsPattern("sha256       [0-9a-f]{64}");
    Cli json = ok("cert", "show", "--json", node + "/node.crt");
    assertThat(json.out()).contains("\"participant\" : \"insurer-a\"");

    byte[] crlBefore = Files.readAllBytes(dir.resolve("auth/authority.crl"));
    Cli refused =
        Cli.run(
            "authority",
            "revoke",
            "--dir",
            auth,
            "--cert",
            node + "/node.crt",
            "--passphrase-file",
            wrong.toString());
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err())
        .contains("wrong passphrase")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(Files.readAllBytes(dir.resolve("auth/authority.crl"))).isEqualTo(crlBefore);

    Cli revoked =
        ok(
            "authority",
            "revoke",
            "--dir",
            auth,
            "--cert",
            node + "/node.crt",
            "--reason",
            "keyCompromise",
            "--passphrase-file",
            pass.toString());
    assertThat(revoked.out()).contains("revoked serial");
    assertThat(Files.readAllBytes(dir.resolve("auth/authority.crl"))).isNotEqualTo(crlBefore);
  }

  @Test
  void crlReSignsTheSameRevocationsWithANewNextUpdate() throws Exception {
    String auth = dir.resolve("auth").toString();
    ok(
        "authority",
        "init",
        "--dir",
        auth,
        "--space",
        "health",
        "--passphrase-file",
        pass.toString());
    var authority =
        Authority.load(dir.resolve("auth"), "s3cret passphrase".toCharArray(), Clock.systemUTC());
    var member = TestAuthority.issue("oem", List.of("r"), Map.of(), authority, Duration.ofDays(30));
    authority.revoke(member.certificate(), CRLReason.keyCompromise);
    Instant before = Instant.now();

    Cli refreshed =
        ok("authority", "crl", "--dir", auth, "--days", "7", "--passphrase-file", pass.toString());

    var crl = PemFiles.readCrl(dir.resolve("auth/authority.crl"));
    assertThat(Authority.crlNumber(crl)).isEqualTo(3);
    assertThat(crl.isRevoked(member.certificate())).isTrue();
    assertThat(crl.getNextUpdate().toInstant())
        .isBetween(
            before.plus(Duration.ofDays(7)).minusSeconds(2),
            Instant.now().plus(Duration.ofDays(7)));
    assertThat(refreshed.out())
        .contains("re-signed: number 3, 1 revoked, next update " + crl.getNextUpdate().toInstant());

    Cli tooLong =
        Cli.run(
            "authority",
            "crl",
            "--dir",
            auth,
            "--days",
            "400",
            "--passphrase-file",
            pass.toString());
    assertThat(tooLong.exitCode()).isEqualTo(2);
    assertThat(tooLong.err()).contains("--days must be between 1 and 366");
    Cli wrongPass =
        Cli.run("authority", "crl", "--dir", auth, "--passphrase-file", wrong.toString());
    assertThat(wrongPass.exitCode()).isEqualTo(2);
    assertThat(Authority.crlNumber(PemFiles.readCrl(dir.resolve("auth/authority.crl"))))
        .isEqualTo(3);
  }

  @Test
  void refusesToOverwriteAnAuthority() {
    String auth = dir.resolve("auth").toString();
    ok(
        "authority",
        "init",
        "--dir",
        auth,
        "--space",
        "health",
        "--passphrase-file",
        pass.toString());
    Cli again =
        Cli.run(
            "authority",
            "init",
            "--dir",
            auth,
            "--space",
            "health",
            "--passphrase-file",
            pass.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already exists");
  }

  @Test
  void refusesAnUnencryptedCaKeyUnlessAskedExplicitly() throws Exception {
    Assumptions.assumeTrue(
        System.getenv("SLUICE_PASSPHRASE") == null, "SLUICE_PASSPHRASE is set in this environment");
    Cli refused =
        Cli.run("authority", "init", "--dir", dir.resolve("a").toString(), "--space", "health");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("--insecure-plaintext-key");
    assertThat(dir.resolve("a/authority.key")).doesNotExist();

    ok(
        "authority",
        "init",
        "--dir",
        dir.resolve("b").toString(),
        "--space",
        "health",
        "--insecure-plaintext-key");
    assertThat(Files.readString(dir.resolve("b/authority.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void tamperedCsrIsRefusedWithAClearMessage() throws Exception {
    String auth = dir.resolve("auth").toString();
    ok(
        "authority",
        "init",
        "--dir",
        auth,
        "--space",
        "health",
        "--passphrase-file",
        pass.toString());
    Path csr = dir.resolve("bad.csr");
    Files.writeString(
        csr, "-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n");
    Cli r =
        Cli.run(
            "authority",
            "issue",
            "--dir",
            auth,
            "--csr",
            csr.toString(),
            "--roles",
            "x",
            "--out",
            dir.resolve("x.crt").toString(),
            "--passphrase-file",
            pass.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("sluice: ");
    assertThat(dir.resolve("x.crt")).doesNotExist();
  }
}
