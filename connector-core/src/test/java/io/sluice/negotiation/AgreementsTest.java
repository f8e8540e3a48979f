package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.Authority;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.TestAuthority;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agreement binds participants of one authority, not keys: it outlives the expiry of the
 * certificates that signed it, and dies with their revocation.
 */
class AgreementsTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  MutableClock clock;
  Authority authority;
  AuthorityTrust trust;
  TestAuthority.Issued fundCert;
  TestAuthority.Issued insurerCert;
  SignedAgreement signed;

  @BeforeEach
  void agree() {
    clock = new MutableClock(T0);
    TestAuthority.create(dir.resolve("ca"), "health", clock);
    authority = Authority.load(dir.resolve("ca"), null, clock);
    trust = new AuthorityTrust(authority.certificate(), authority.crlFile(), clock);
    fundCert = issue("fund", Duration.ofDays(2));
    insurerCert = issue("insurer-a", Duration.ofDays(2));
    byte[] policy = "{\"uid\":\"p\"}".getBytes(StandardCharsets.UTF_8);
    Agreement agreement =
        Agreement.newBuilder()
            .setVersion(1)
            .setAgreementId("a1")
            .setSpace("health")
            .setProviderId("fund")
            .setConsumerId("insurer-a")
            .setDatasetId("settlements")
            .setPolicy(ByteString.copyFrom(policy))
            .setPolicySha256(Agreements.sha256Hex(policy))
            .setValidFromMs(T0.toEpochMilli())
            .setValidUntilMs(T0.plus(Duration.ofDays(365)).toEpochMilli())
            .setCreatedMs(T0.plusSeconds(60).toEpochMilli())
            .build();
    signed =
        Agreements.countersign(
            Agreements.signAsProvider(agreement, credentials(fundCert)), credentials(insurerCert));
  }

  TestAuthority.Issued issue(String participant, Duration validity) {
    return TestAuthority.issue(participant, List.of("r"), Map.of(), authority, validity);
  }

  NodeCredentials credentials(TestAuthority.Issued issued) {
    return issued.credentials(trust);
  }

  @Test
  void aRenewedConsumerKeepsItsAgreementAfterItsOldCertificateExpires() {
    assertThat(Agreements.check(signed, trust).fullyValid()).isTrue();
    clock.set(T0.plus(Duration.ofDays(3)));
    issue("insurer-a", Duration.ofDays(90)); // the renewal: same participant, new key

    Agreements.Check check = Agreements.check(signed, trust);
    assertThat(check.fullyValid()).as(check.problems().toString()).isTrue();
    assertThatThrownBy(() -> Agreements.requireFullyValid(signed, trust))
        .as("while an agreement is being made, its signers must be valid now")
        .hasMessageContaining("expired");
  }

  @Test
  void anOldCertificateRevokedAsSupersededStillStandsBehindItsAgreements() {
    clock.advance(Duration.ofHours(1));
    authority.revoke(insurerCert.certificate(), CRLReason.superseded);
    assertThat(Agreements.check(signed, trust).fullyValid()).isTrue();
  }

  @Test
  void aCompromisedSignerEndsTheAgreement() {
    clock.advance(Duration.ofHours(1));
    authority.revoke(insurerCert.certificate(), CRLReason.keyCompromise);
    Agreements.Check check = Agreements.check(signed, trust);
    assertThat(check.providerValid()).isTrue();
    assertThat(check.consumerValid()).isFalse();
    assertThat(check.problems()).singleElement().asString().contains("is revoked (key_compromise");
  }

  @Test
  void aSignerThatWasNotValidWhenTheAgreementWasMadeDoesNotCount() {
    clock.set(T0.plus(Duration.ofDays(10)));
    TestAuthority.Issued later = issue("insurer-a", Duration.ofDays(90));
    SignedAgreement resigned = Agreements.countersign(signed, credentials(later));
    Agreements.Check check = Agreements.check(resigned, trust);
    assertThat(check.consumerValid()).isFalse();
    assertThat(check.problems()).singleElement().asString().contains("was not valid at");
  }

  @Test
  void nothingIsDecidedWhileTheCrlIsExpired() {
    clock.set(T0.plus(Authority.CRL_VALIDITY).plus(Duration.ofHours(2)));
    assertThatThrownBy(() -> Agreements.check(signed, trust))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.CRL_EXPIRED);
    assertThatThrownBy(() -> Agreements.requireProviderValid(signed, trust))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.CRL_EXPIRED);
  }
}
