package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.sluice.collaboration.CollaborationFile;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.identity.Authority;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.TestAuthority;
import io.sluice.negotiation.Agreements;
import io.sluice.node.RepoFiles;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedAgreement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice agreement verify} on signed agreements and collaborations, offline. */
class AgreementVerifyCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  CliRunner.Result verify(TestAuthority ca, Path file) {
    return CliRunner.run(
        "agreement",
        "verify",
        file.toString(),
        "--authority",
        ca.dir.resolve(Authority.CERT_FILE).toString(),
        "--crl",
        ca.dir.resolve(Authority.CRL_FILE).toString(),
        "--json");
  }

  @Test
  void aBilateralAgreementVerifiesUntilASignerIsRevoked() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    AuthorityTrust trust = ca.trust();
    var fundIssued = ca.issue("fund", List.of("medical-insurance-fund"), Map.of());
    NodeCredentials fund = fundIssued.credentials(trust);
    NodeCredentials insurer =
        ca.issue("insurer-a", List.of("commercial-insurer"), Map.of()).credentials(trust);
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
            .setValidFromMs(Instant.now().toEpochMilli())
            .setValidUntilMs(Instant.now().plus(Duration.ofDays(30)).toEpochMilli())
            .setCreatedMs(Instant.now().toEpochMilli())
            .build();
    SignedAgreement providerOnly = Agreements.signAsProvider(agreement, fund);
    SignedAgreement both = Agreements.countersign(providerOnly, insurer);
    Path full = dir.resolve("a1.signed");
    Files.write(full, both.toByteArray());
    Path half = dir.resolve("a1-half.signed");
    Files.write(half, providerOnly.toByteArray());

    CliRunner.Result ok = verify(ca, full);
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    JsonNode result = JSON.readTree(ok.out());
    assertThat(result.at("/type").asText()).isEqualTo("agreement");
    assertThat(result.at("/signatures/fund").asBoolean()).isTrue();
    assertThat(result.at("/signatures/insurer-a").asBoolean()).isTrue();

    CliRunner.Result missing = verify(ca, half);
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.out()).contains("countersignature is missing");

    ca.authority.revoke(fundIssued.certificate(), CRLReason.KEY_COMPROMISE.ordinal());
    CliRunner.Result revoked = verify(ca, full);
    assertThat(revoked.exitCode()).isEqualTo(1);
    assertThat(JSON.readTree(revoked.out()).at("/signatures/fund").asBoolean()).isFalse();
    assertThat(revoked.out()).contains("revoked");
  }

  @Test
  void aCollaborationVerifiesOnlyWithEveryMembersValidSignature() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "automotive");
    AuthorityTrust trust = ca.trust();
    String offer =
        Files.readString(
            RepoFiles.root().resolve("deploy/collaborations/oem-benchmark-offer.json"));
    String file =
        Files.readString(RepoFiles.root().resolve("deploy/collaborations/warranty-benchmark.json"))
            .replace("2027-12-31T00:00:00Z", Instant.now().plus(Duration.ofDays(20)).toString());
    Collaboration c =
        CollaborationFile.read(
            file, "automotive", "association", Instant.now().toEpochMilli(), (m, ds, o) -> offer);
    byte[] doc = c.toByteArray();
    List<MemberSignature> signatures = new ArrayList<>();
    for (var m : c.getMembersList()) {
      String role =
          m.getParticipant().startsWith("oem") ? "automotive-oem" : "automotive-association";
      signatures.add(
          CollaborationSignatures.sign(
              doc, ca.issue(m.getParticipant(), List.of(role), Map.of()).credentials(trust)));
    }
    Path all = dir.resolve("all.signed");
    Files.write(all, CollaborationSignatures.assemble(doc, c, signatures).toByteArray());
    CliRunner.Result ok = verify(ca, all);
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(JSON.readTree(ok.out()).at("/signatures").size()).isEqualTo(6);

    Path five = dir.resolve("five.signed");
    Files.write(
        five, CollaborationSignatures.assemble(doc, c, signatures.subList(0, 5)).toByteArray());
    CliRunner.Result incomplete = verify(ca, five);
    assertThat(incomplete.exitCode()).isEqualTo(1);
    assertThat(incomplete.out()).contains("no signature of member oem-e");

    byte[] tampered = CollaborationSignatures.assemble(doc, c, signatures).toByteArray();
    Collaboration changed = c.toBuilder().setMaxUses(99).build();
    Path other = dir.resolve("other.signed");
    Files.write(
        other,
        CollaborationSignatures.parseSigned(tampered).toBuilder()
            .setCollaboration(changed.toByteString())
            .build()
            .toByteArray());
    CliRunner.Result forged = verify(ca, other);
    assertThat(forged.exitCode()).isEqualTo(1);
    assertThat(forged.out()).contains("signature does not verify");
  }
}
