package io.sluice.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorityTrustTest {
  @TempDir Path dir;
  TestAuthority ca;

  @BeforeEach
  void setUp() {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
  }

  private static X509Certificate[] chain(TestAuthority.Issued issued) {
    return new X509Certificate[] {issued.certificate()};
  }

  private static void assertRefused(Runnable check, String reason) {
    assertThatThrownBy(check::run)
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining(reason)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.UNAUTHENTICATED);
  }

  @Test
  void acceptsAnIssuedParticipantOnBothSides() {
    var fund = ca.issue("fund", List.of("medical-insurance-fund"), Map.of("industry", "insurance"));
    AuthorityTrust trust = ca.trust();
    PeerIdentity id = trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT);
    assertThat(id.participant()).isEqualTo("fund");
    assertThat(trust.verify(chain(fund), AuthorityTrust.PeerRole.SERVER).participant())
        .isEqualTo("fund");
  }

  @Test
  void refusesForeignAuthority() {
    TestAuthority other = TestAuthority.create(dir.resolve("other"), "health");
    var stranger = other.issue("fund", List.of("r"), Map.of());
    assertRefused(
        () -> ca.trust().verify(chain(stranger), AuthorityTrust.PeerRole.CLIENT),
        "not issued by this data space's authority");
  }

  @Test
  void refusesExpiredAndNotYetValid() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    var issued =
        TestAuthority.issue(
            "fund",
            List.of("r"),
            Map.of(),
            Authority.load(ca.dir, null, clock),
            Duration.ofDays(2));
    AuthorityTrust trust =
        new AuthorityTrust(ca.authority.certificate(), ca.authority.crlFile(), clock);
    trust.verify(chain(issued), AuthorityTrust.PeerRole.CLIENT);

    clock.advance(Duration.ofDays(3));
    assertRefused(() -> trust.verify(chain(issued), AuthorityTrust.PeerRole.CLIENT), "expired");

    clock.set(Instant.parse("2025-12-31T23:00:00Z"));
    assertRefused(
        () -> trust.verify(chain(issued), AuthorityTrust.PeerRole.CLIENT), "not valid before");
  }

  @Test
  void refusesRevokedAfterLiveCrlUpdateWithoutRestart() {
    var fund = ca.issue("fund", List.of("r"), Map.of());
    AuthorityTrust trust = ca.trust();
    trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT);

    ca.authority.revoke(fund.certificate(), CRLReason.keyCompromise);

    assertThat(trust.isRevoked(fund.certificate())).isTrue();
    assertRefused(() -> trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT), "revoked");
  }

  @Test
  void refusesTwoUriSansAndCaFlaggedLeaves() {
    AuthorityTrust trust = ca.trust();
    var twoUris = ca.forge(TestAuthority.Forgery.twoUris("health"));
    assertRefused(
        () -> trust.verify(chain(twoUris), AuthorityTrust.PeerRole.CLIENT), "exactly one URI SAN");
    var caLeaf = ca.forge(TestAuthority.Forgery.caLeaf("health"));
    assertRefused(
        () -> trust.verify(chain(caLeaf), AuthorityTrust.PeerRole.CLIENT), "CA certificate");
  }

  @Test
  void refusesParticipantOfAnotherSpaceEvenFromTheSameKey() {
    var foreignSpace =
        ca.forge(
            new TestAuthority.Forgery(
                List.of("sluice://automotive/oem"),
                false,
                Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600)));
    assertRefused(
        () -> ca.trust().verify(chain(foreignSpace), AuthorityTrust.PeerRole.CLIENT),
        "data space 'automotive'");
  }

  @Test
  void keepsLastValidCrlWhenTheFileIsReplacedByGarbageOrAForgery() throws Exception {
    var fund = ca.issue("fund", List.of("r"), Map.of());
    ca.authority.revoke(fund.certificate(), CRLReason.keyCompromise);
    AuthorityTrust trust = ca.trust();
    assertThat(trust.isRevoked(fund.certificate())).isTrue();

    Files.writeString(ca.authority.crlFile(), "garbage");
    assertThat(trust.isRevoked(fund.certificate())).as("garbage CRL must not un-revoke").isTrue();

    TestAuthority other = TestAuthority.create(dir.resolve("other"), "health");
    Files.copy(
        other.authority.crlFile(),
        ca.authority.crlFile(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(trust.isRevoked(fund.certificate()))
        .as("a CRL of another authority must not un-revoke")
        .isTrue();
  }

  @Test
  void refusesToStartWithoutAValidCrl() throws Exception {
    Files.writeString(ca.authority.crlFile(), "garbage");
    assertThatThrownBy(
            () ->
                new AuthorityTrust(
                    ca.authority.certificate(), ca.authority.crlFile(), Clock.systemUTC()))
        .hasMessageContaining("no valid CRL");
  }

  @Test
  void nodeCredentialsRejectAMismatchedKeyOrParticipant() {
    var fund = ca.issue("fund", List.of("r"), Map.of());
    var other = ca.issue("other", List.of("r"), Map.of());
    AuthorityTrust trust = ca.trust();
    assertThatThrownBy(() -> NodeCredentials.of(other.key(), fund.certificate(), trust, "fund"))
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> NodeCredentials.of(fund.key(), fund.certificate(), trust, "other"))
        .hasMessageContaining("names participant 'fund'");
    assertThat(
            NodeCredentials.of(fund.key(), fund.certificate(), trust, "fund")
                .identity()
                .participant())
        .isEqualTo("fund");
  }

  /** A space whose every clock is {@code clock}: authority, CRL and certificates. */
  private record Space(TestAuthority ca, Authority authority, MutableClock clock) {
    static Space at(Path dir, Instant start) {
      MutableClock clock = new MutableClock(start);
      TestAuthority ca = TestAuthority.create(dir, "health", clock);
      return new Space(ca, Authority.load(dir, null, clock), clock);
    }

    TestAuthority.Issued issue(String participant, Duration validity) {
      return TestAuthority.issue(participant, List.of("r"), Map.of(), authority, validity);
    }

    AuthorityTrust trust(Duration grace) {
      return new AuthorityTrust(authority.certificate(), authority.crlFile(), clock, grace);
    }
  }

  private static void assertCrlExpired(Runnable check) {
    assertThatThrownBy(check::run)
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("revocation cannot be checked")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.CRL_EXPIRED);
  }

  @Test
  void refusesEveryPeerOnceTheCrlIsPastItsNextUpdatePlusTheGraceUntilAFreshOneIsInPlace() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Space space = Space.at(dir.resolve("timed"), t0);
    var fund = space.issue("fund", Duration.ofDays(365));
    AuthorityTrust trust = space.trust(Duration.ofHours(1));
    Instant nextUpdate = t0.plus(Authority.CRL_VALIDITY);
    assertThat(trust.crlStatus().nextUpdate()).isEqualTo(nextUpdate);
    assertThat(trust.crlStatus().state()).isEqualTo(CrlStatus.State.CURRENT);

    space.clock().set(nextUpdate.plus(Duration.ofMinutes(59)));
    assertThat(trust.crlStatus().state()).isEqualTo(CrlStatus.State.OVERDUE);
    assertThat(trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT).participant())
        .as("within the grace the CRL still counts")
        .isEqualTo("fund");

    space.clock().set(nextUpdate.plus(Duration.ofMinutes(61)));
    assertThat(trust.crlStatus().state()).isEqualTo(CrlStatus.State.EXPIRED);
    assertThat(trust.crlStatus().describe()).contains("expired at " + nextUpdate);
    assertCrlExpired(() -> trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT));
    assertCrlExpired(() -> trust.verifySigner(fund.certificate(), t0.plusSeconds(60)));
    assertThat(trust.isRevoked(fund.certificate())).isTrue();

    space.authority().refreshCrl(Duration.ofDays(7));
    assertThat(trust.crlStatus().state()).isEqualTo(CrlStatus.State.CURRENT);
    assertThat(trust.crlStatus().number()).isEqualTo(2);
    assertThat(trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT).participant())
        .isEqualTo("fund");
  }

  @Test
  void aZeroGraceRefusesRightAfterTheNextUpdate() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Space space = Space.at(dir.resolve("zero"), t0);
    var fund = space.issue("fund", Duration.ofDays(365));
    AuthorityTrust trust = space.trust(Duration.ZERO);
    space.clock().set(t0.plus(Authority.CRL_VALIDITY));
    trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT);
    space.clock().advance(Duration.ofMillis(1));
    assertCrlExpired(() -> trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT));
  }

  @Test
  void aDeletedGarbledOrRolledBackCrlFileNeverExtendsTheCrlInForce() throws Exception {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Space space = Space.at(dir.resolve("files"), t0);
    var fund = space.issue("fund", Duration.ofDays(365));
    var oem = space.issue("oem", Duration.ofDays(365));
    Path crl = space.authority().crlFile();
    byte[] first = Files.readAllBytes(crl);
    AuthorityTrust trust = space.trust(Duration.ofHours(1));
    space.clock().advance(Duration.ofDays(1));
    space.authority().revoke(oem.certificate(), CRLReason.keyCompromise);
    assertThat(trust.isRevoked(oem.certificate())).isTrue();
    Instant refuseAfter = trust.crlStatus().refuseAfter();
    assertThat(refuseAfter).isEqualTo(t0.plus(Duration.ofDays(31)).plus(Duration.ofHours(1)));

    Files.delete(crl);
    assertThat(trust.isRevoked(oem.certificate()))
        .as("deleting the file revokes nothing less")
        .isTrue();
    assertThat(trust.crlStatus().fileProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("missing"));
    assertThat(trust.crlStatus().refuseAfter()).isEqualTo(refuseAfter);

    Files.writeString(crl, "garbage");
    assertThat(trust.crlStatus().fileProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("not a valid CRL"));
    Files.write(crl, first);
    assertThat(trust.crlStatus().fileProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("below the 2 in force"));
    assertThat(trust.isRevoked(oem.certificate())).as("an older CRL must not un-revoke").isTrue();
    assertThat(trust.crlStatus().refuseAfter()).isEqualTo(refuseAfter);

    space.clock().set(refuseAfter.plusSeconds(1));
    assertCrlExpired(() -> trust.verify(chain(fund), AuthorityTrust.PeerRole.CLIENT));
  }

  @Test
  void aCrlWithoutNextUpdateIsNotAccepted() throws Exception {
    X509CRLHolder holder =
        new X509v2CRLBuilder(
                X500Name.getInstance(
                    ca.authority.certificate().getSubjectX500Principal().getEncoded()),
                new java.util.Date())
            .addExtension(Extension.cRLNumber, false, new CRLNumber(java.math.BigInteger.TEN))
            .build(Authority.signer(ca.key));
    X509CRL endless = new JcaX509CRLConverter().getCRL(holder);
    AuthorityTrust trust = ca.trust();
    PemFiles.writeCrl(ca.authority.crlFile(), endless);
    assertThat(trust.crlStatus().number()).isEqualTo(1);
    assertThat(trust.crlStatus().fileProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("no nextUpdate"));
    assertThatThrownBy(() -> ca.trust()).hasMessageContaining("no nextUpdate");
  }

  @Test
  void anAgreementSignerCountsForWhatItSignedWhileValidUntilItIsRevoked() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Space space = Space.at(dir.resolve("signers"), t0);
    var shortLived = space.issue("insurer-a", Duration.ofDays(2));
    var replaced = space.issue("fund", Duration.ofDays(365));
    var compromised = space.issue("oem", Duration.ofDays(365));
    AuthorityTrust trust = space.trust(Duration.ofHours(1));
    Instant signedAt = t0.plus(Duration.ofHours(1));

    space.clock().set(t0.plus(Duration.ofDays(5)));
    assertRefused(() -> trust.verify(chain(shortLived), AuthorityTrust.PeerRole.CLIENT), "expired");
    assertThat(trust.verifySigner(shortLived.certificate(), signedAt).participant())
        .as("expired since, but valid when it signed")
        .isEqualTo("insurer-a");
    assertRefused(
        () -> trust.verifySigner(shortLived.certificate(), t0.plus(Duration.ofDays(3))),
        "was not valid at");

    space.authority().revoke(replaced.certificate(), CRLReason.superseded);
    assertThat(trust.verifySigner(replaced.certificate(), signedAt).participant())
        .as("superseded after it signed: replaced, not compromised")
        .isEqualTo("fund");
    assertRefused(
        () -> trust.verifySigner(replaced.certificate(), t0.plus(Duration.ofDays(6))),
        "is revoked (superseded");
    assertRefused(
        () -> trust.verify(chain(replaced), AuthorityTrust.PeerRole.CLIENT), "is revoked");

    space.authority().revoke(compromised.certificate(), CRLReason.keyCompromise);
    assertRefused(
        () -> trust.verifySigner(compromised.certificate(), signedAt),
        "is revoked (key_compromise");
  }

  @Test
  void issuedToConfirmsOnlyThisAuthoritysCertificatesOfTheParticipant() {
    var fund = ca.issue("fund", List.of("r"), Map.of());
    TestAuthority other = TestAuthority.create(dir.resolve("other"), "health");
    AuthorityTrust trust = ca.trust();
    ca.authority.revoke(fund.certificate(), CRLReason.superseded);
    assertThat(trust.issuedTo(fund.certificate(), "fund")).isTrue();
    assertThat(trust.issuedTo(fund.certificate(), "oem")).isFalse();
    assertThat(trust.issuedTo(other.issue("fund", List.of("r"), Map.of()).certificate(), "fund"))
        .isFalse();
  }
}
