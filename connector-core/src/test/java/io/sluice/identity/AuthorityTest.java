package io.sluice.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorityTest {
  private static final char[] PASS = "correct horse battery".toCharArray();

  @TempDir Path dir;

  @Test
  void initWritesEncryptedKeySelfSignedRootAndEmptySignedCrl() throws Exception {
    Authority authority =
        Authority.init(dir, "health", "Health Authority", PASS, Clock.systemUTC());

    X509Certificate root = PemFiles.readCertificate(dir.resolve(Authority.CERT_FILE));
    assertThat(root).isEqualTo(authority.certificate());
    root.verify(root.getPublicKey());
    assertThat(root.getBasicConstraints()).isZero();
    assertThat(root.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    boolean[] usage = root.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(root.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(authority.space()).isEqualTo("health");

    assertThat(Files.readString(dir.resolve(Authority.KEY_FILE)))
        .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    assertThat(PemFiles.isEncryptedKey(dir.resolve(Authority.KEY_FILE))).isTrue();

    X509CRL crl = PemFiles.readCrl(dir.resolve(Authority.CRL_FILE));
    crl.verify(root.getPublicKey());
    assertThat(crl.getRevokedCertificates()).isNull();
    assertThat(Authority.crlNumber(crl)).isEqualTo(1);
  }

  @Test
  void neverOverwritesAnExistingAuthority() throws IOException {
    Authority.init(dir, "health", null, PASS, Clock.systemUTC());
    byte[] before = Files.readAllBytes(dir.resolve(Authority.KEY_FILE));

    assertThatThrownBy(() -> Authority.init(dir, "health", null, PASS, Clock.systemUTC()))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.ALREADY_EXISTS);
    assertThat(Files.readAllBytes(dir.resolve(Authority.KEY_FILE))).isEqualTo(before);
  }

  @Test
  void issuedLeafHasOneUriSanDnsSansEkuAndClaimsAndValidatesWithJdkPkix() throws Exception {
    Authority authority = Authority.init(dir, "health", null, PASS, Clock.systemUTC());
    Path node = dir.resolve("node");
    var enrollment =
        NodeEnrollment.init(
            node, "insurer-a", "Allied Insurance", List.of("a.example", "b.example"), PASS);

    X509Certificate leaf =
        authority.issue(
            enrollment.csr(),
            List.of("commercial-insurer", "operator"),
            Map.of("industry", "insurance"),
            Duration.ofDays(10));

    var sans = leaf.getSubjectAlternativeNames();
    assertThat(sans.stream().filter(s -> (int) s.get(0) == 6).map(s -> (Object) s.get(1)).toList())
        .containsExactly("sluice://health/insurer-a");
    assertThat(sans.stream().filter(s -> (int) s.get(0) == 2).map(s -> (Object) s.get(1)).toList())
        .containsExactly("a.example", "b.example");
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    boolean[] usage = leaf.getKeyUsage();
    assertThat(usage[0]).isTrue();
    assertThat(Arrays.copyOfRange(usage, 1, usage.length)).doesNotContain(true);

    PeerIdentity identity = PeerIdentity.fromCertificate(leaf);
    assertThat(identity.participant()).isEqualTo("insurer-a");
    assertThat(identity.organization()).isEqualTo("Allied Insurance");
    assertThat(identity.roles()).containsExactly("commercial-insurer", "operator");
    assertThat(identity.attributes()).containsExactlyEntriesOf(Map.of("industry", "insurance"));
    assertThat(identity.claims().get("role"))
        .containsExactlyInAnyOrder("commercial-insurer", "operator");
    assertThat(identity.claims().get("org")).containsExactly("Allied Insurance");

    PKIXParameters params =
        new PKIXParameters(Set.of(new TrustAnchor(authority.certificate(), null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
  }

  @Test
  void wrongPassphraseIsAClearErrorAndOverwritesNothing() throws IOException {
    Authority authority = Authority.init(dir, "health", null, PASS, Clock.systemUTC());
    var enrollment = NodeEnrollment.init(dir.resolve("n"), "fund", null, List.of(), PASS);
    X509Certificate leaf =
        authority.issue(enrollment.csr(), List.of("fund"), Map.of(), Duration.ofDays(1));
    byte[] crlBefore = Files.readAllBytes(dir.resolve(Authority.CRL_FILE));
    byte[] keyBefore = Files.readAllBytes(dir.resolve(Authority.KEY_FILE));

    assertThatThrownBy(() -> Authority.load(dir, "wrong".toCharArray(), Clock.systemUTC()))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("wrong passphrase")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.WRONG_PASSPHRASE);
    assertThat(Files.readAllBytes(dir.resolve(Authority.CRL_FILE))).isEqualTo(crlBefore);
    assertThat(Files.readAllBytes(dir.resolve(Authority.KEY_FILE))).isEqualTo(keyBefore);
    // and with the right passphrase the same authority still works
    assertThat(Authority.load(dir, PASS, Clock.systemUTC()).revoke(leaf, CRLReason.superseded))
        .isTrue();
  }

  @Test
  void refusesTamperedCsr() throws IOException {
    Authority authority = Authority.init(dir, "health", null, null, Clock.systemUTC());
    var enrollment = NodeEnrollment.init(dir.resolve("n"), "fund", "Fund", List.of(), null);
    byte[] der = enrollment.csr().getEncoded();
    // Flip one bit inside the subject's common name ("fund" -> "gund"): still parses, no longer
    // verifies.
    byte[] tampered = der.clone();
    int at = indexOf(tampered, "fund".getBytes());
    tampered[at] ^= 0x01;
    var forged = new org.bouncycastle.pkcs.PKCS10CertificationRequest(tampered);

    assertThatThrownBy(() -> authority.issue(forged, List.of("x"), Map.of(), Duration.ofDays(1)))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("signature does not verify")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_CERTIFICATE_REQUEST);
  }

  @Test
  void garbledCsrFileIsATypedError() throws IOException {
    Path csr = dir.resolve("bad.csr");
    Files.writeString(
        csr, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
    assertThatThrownBy(() -> PemFiles.readCsr(csr))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_CERTIFICATE_REQUEST);
  }

  @Test
  void revokeResignsCrlWithHigherNumberAndIsIdempotent() throws Exception {
    Authority authority = Authority.init(dir, "health", null, null, Clock.systemUTC());
    var a = TestAuthority.issue("a", List.of("r"), Map.of(), authority, Duration.ofDays(1));
    var b = TestAuthority.issue("b", List.of("r"), Map.of(), authority, Duration.ofDays(1));

    assertThat(authority.revoke(a.certificate(), CRLReason.keyCompromise)).isTrue();
    X509CRL first = PemFiles.readCrl(authority.crlFile());
    assertThat(Authority.crlNumber(first)).isEqualTo(2);
    assertThat(first.isRevoked(a.certificate())).isTrue();
    assertThat(first.isRevoked(b.certificate())).isFalse();

    assertThat(authority.revoke(b.certificate(), CRLReason.superseded)).isTrue();
    X509CRL second = PemFiles.readCrl(authority.crlFile());
    assertThat(Authority.crlNumber(second)).isEqualTo(3);
    assertThat(second.isRevoked(a.certificate())).isTrue();
    assertThat(second.isRevoked(b.certificate())).isTrue();
    assertThat(second.getRevokedCertificate(a.certificate()).getRevocationReason())
        .isEqualTo(java.security.cert.CRLReason.KEY_COMPROMISE);

    assertThat(authority.revoke(b.certificate(), CRLReason.superseded)).isFalse();
    assertThat(Authority.crlNumber(PemFiles.readCrl(authority.crlFile()))).isEqualTo(3);
  }

  @Test
  void refreshCrlKeepsEveryRevocationRaisesTheNumberAndMovesTheNextUpdate() throws Exception {
    io.sluice.testing.MutableClock clock =
        new io.sluice.testing.MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    Authority authority = Authority.init(dir, "health", null, null, clock);
    var a = TestAuthority.issue("a", List.of("r"), Map.of(), authority, Duration.ofDays(90));
    authority.revoke(a.certificate(), CRLReason.keyCompromise);
    clock.advance(Duration.ofDays(20));

    X509CRL fresh = authority.refreshCrl(Duration.ofDays(7));

    assertThat(PemFiles.readCrl(authority.crlFile()).getEncoded()).isEqualTo(fresh.getEncoded());
    assertThat(Authority.crlNumber(fresh)).isEqualTo(3);
    assertThat(fresh.getThisUpdate().toInstant()).isEqualTo(clock.instant());
    assertThat(fresh.getNextUpdate().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofDays(7)));
    assertThat(fresh.getRevokedCertificate(a.certificate()).getRevocationReason())
        .isEqualTo(java.security.cert.CRLReason.KEY_COMPROMISE);
    assertThat(fresh.getRevokedCertificate(a.certificate()).getRevocationDate().toInstant())
        .isEqualTo(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    fresh.verify(authority.certificate().getPublicKey());
    assertThatThrownBy(() -> authority.refreshCrl(Duration.ZERO)).hasMessageContaining("positive");
    assertThatThrownBy(() -> authority.refreshCrl(Duration.ofDays(400)))
        .hasMessageContaining("at most 366 days");
  }

  @Test
  void refreshCrlRefusesToReplaceACrlItCannotRead() throws Exception {
    Authority authority = Authority.init(dir, "health", null, null, Clock.systemUTC());
    Files.writeString(authority.crlFile(), "garbage");
    assertThatThrownBy(() -> authority.refreshCrl(Duration.ofDays(7)))
        .isInstanceOf(SluiceException.class);
    assertThat(Files.readString(authority.crlFile())).isEqualTo("garbage");
  }

  @Test
  void refusesToRevokeACertificateOfAnotherAuthority() {
    Authority ours = Authority.init(dir.resolve("ours"), "health", null, null, Clock.systemUTC());
    Authority theirs =
        Authority.init(dir.resolve("theirs"), "health", null, null, Clock.systemUTC());
    var foreign = TestAuthority.issue("x", List.of("r"), Map.of(), theirs, Duration.ofDays(1));
    assertThatThrownBy(() -> ours.revoke(foreign.certificate(), CRLReason.unspecified))
        .hasMessageContaining("not issued by this authority");
  }

  @Test
  void rejectsReservedAndMalformedClaims() {
    Authority authority = Authority.init(dir, "health", null, null, Clock.systemUTC());
    var enrollment = NodeEnrollment.init(dir.resolve("n"), "fund", null, List.of(), null);
    assertThatThrownBy(
            () ->
                authority.issue(
                    enrollment.csr(), List.of("r"), Map.of("org", "x"), Duration.ofDays(1)))
        .hasMessageContaining("reserved");
    assertThatThrownBy(
            () ->
                authority.issue(
                    enrollment.csr(), List.of("Bad Role"), Map.of(), Duration.ofDays(1)))
        .hasMessageContaining("not valid");
    assertThatThrownBy(
            () -> authority.issue(enrollment.csr(), List.of(), Map.of(), Duration.ofDays(1)))
        .hasMessageContaining("at least one role");
  }

  @Test
  void opensslAcceptsIssuedCertificatesAndListsRevokedSerials() throws Exception {
    Assumptions.assumeTrue(
        commandExists("openssl"),
        "openssl is not installed on this machine; skipping the interop check");
    Authority authority = Authority.init(dir, "health", null, PASS, Clock.systemUTC());
    var enrollment =
        NodeEnrollment.init(dir.resolve("n"), "fund", "Fund", List.of("fund.example"), PASS);
    X509Certificate leaf =
        authority.issue(enrollment.csr(), List.of("fund"), Map.of(), Duration.ofDays(5));
    Path leafFile = dir.resolve("n/node.crt");
    PemFiles.writeCertificate(leafFile, leaf);

    assertThat(
            run(
                "openssl",
                "verify",
                "-CAfile",
                dir.resolve(Authority.CERT_FILE).toString(),
                leafFile.toString()))
        .contains(": OK");
    assertThat(
            run("openssl", "req", "-in", dir.resolve("n/node.csr").toString(), "-noout", "-verify"))
        .contains("verify OK");
    assertThat(
            run(
                "openssl",
                "pkey",
                "-in",
                dir.resolve("n/node.key").toString(),
                "-passin",
                "pass:" + new String(PASS),
                "-noout"))
        .isEmpty();

    authority.revoke(leaf, CRLReason.keyCompromise);
    String crl =
        run("openssl", "crl", "-in", dir.resolve(Authority.CRL_FILE).toString(), "-noout", "-text");
    assertThat(crl.toUpperCase()).contains(leaf.getSerialNumber().toString(16).toUpperCase());
    assertThat(
            run(
                "openssl",
                "verify",
                "-crl_check",
                "-CAfile",
                dir.resolve(Authority.CERT_FILE).toString(),
                "-CRLfile",
                dir.resolve(Authority.CRL_FILE).toString(),
                leafFile.toString()))
        .contains("certificate revoked");
  }

  static boolean commandExists(String command) {
    try {
      return new ProcessBuilder(command, "version")
          .redirectErrorStream(true)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    p.waitFor(30, TimeUnit.SECONDS);
    return output;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
