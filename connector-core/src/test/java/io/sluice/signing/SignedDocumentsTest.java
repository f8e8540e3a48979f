package io.sluice.signing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.TestAuthority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedDocumentsTest {
  @TempDir Path dir;

  @Test
  void theAgreementTagsAreTheLabelsAgreementsHaveAlwaysBeenSignedUnder() {
    assertThat(
            new String(SignedDocuments.Tag.AGREEMENT_PROVIDER.label(), StandardCharsets.US_ASCII))
        .isEqualTo("sluice/agreement/v1/provider\0");
    assertThat(
            new String(SignedDocuments.Tag.AGREEMENT_CONSUMER.label(), StandardCharsets.US_ASCII))
        .isEqualTo("sluice/agreement/v1/consumer\0");
    assertThat(
            new String(SignedDocuments.Tag.COLLABORATION_MEMBER.label(), StandardCharsets.US_ASCII))
        .isEqualTo("sluice/collaboration/v1/member\0");
  }

  @Test
  void aSignatureVerifiesUnderItsOwnTagOnlyAndNotForOtherBytes() {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    AuthorityTrust trust = ca.trust();
    NodeCredentials fund =
        ca.issue("fund", List.of("medical-insurance-fund"), Map.of()).credentials(trust);
    byte[] doc = "the same bytes".getBytes(StandardCharsets.UTF_8);
    byte[] sig =
        SignedDocuments.sign(fund, SignedDocuments.Tag.COLLABORATION_MEMBER, doc, new byte[0]);
    ByteString cert = ByteString.copyFrom(SignedDocuments.encoded(fund.certificate()));
    SignedDocuments.Verifier v = new SignedDocuments.Verifier(trust, Instant.now(), true);
    for (SignedDocuments.Tag tag : SignedDocuments.Tag.values()) {
      List<String> problems = new ArrayList<>();
      boolean ok =
          v.check(
              new SignedDocuments.Signature("member", "fund", cert, tag, ByteString.copyFrom(sig)),
              doc,
              new byte[0],
              problems);
      assertThat(ok).as(tag.name()).isEqualTo(tag == SignedDocuments.Tag.COLLABORATION_MEMBER);
    }
    List<String> problems = new ArrayList<>();
    byte[] other = doc.clone();
    other[0] ^= 1;
    assertThat(
            v.check(
                new SignedDocuments.Signature(
                    "member",
                    "fund",
                    cert,
                    SignedDocuments.Tag.COLLABORATION_MEMBER,
                    ByteString.copyFrom(sig)),
                other,
                new byte[0],
                problems))
        .isFalse();
    assertThat(problems).containsExactly("the member signature does not verify");
    problems.clear();
    assertThat(
            v.check(
                new SignedDocuments.Signature(
                    "member",
                    "insurer-a",
                    cert,
                    SignedDocuments.Tag.COLLABORATION_MEMBER,
                    ByteString.copyFrom(sig)),
                doc,
                new byte[0],
                problems))
        .isFalse();
    assertThat(problems.get(0)).contains("belongs to 'fund', not 'insurer-a'");
  }
}
