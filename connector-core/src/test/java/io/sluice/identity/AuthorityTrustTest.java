package io.sluice.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.CRLReason;
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
}
