package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TreeHeadSignerTest {
  private static final byte[] ROOT = new byte[32];
  private static final TreeHead HEAD = new TreeHead(10, ROOT, Instant.ofEpochMilli(1_000));

  @Test
  void signsAHeadThatVerifiesWithTheNodeCertificate() {
    TreeHeadSigner signer = AuditFixtures.nodeSigner();
    SignedTreeHead signed = signer.sign(HEAD);
    assertThat(signed.signerFingerprint())
        .isEqualTo(PeerIdentity.sha256Hex(signer.certificate()))
        .isEqualTo(signer.fingerprint());
    assertThat(signed.verify(signer.certificate())).isTrue();
  }

  @Test
  void anyChangeToTheHeadOrSignatureFailsVerification() {
    TreeHeadSigner signer = AuditFixtures.nodeSigner();
    SignedTreeHead signed = signer.sign(HEAD);
    byte[] otherRoot = ROOT.clone();
    otherRoot[31] = 1;
    TreeHead[] altered = {
      new TreeHead(11, ROOT, HEAD.timestamp()),
      new TreeHead(10, otherRoot, HEAD.timestamp()),
      new TreeHead(10, ROOT, HEAD.timestamp().plusMillis(1))
    };
    for (TreeHead head : altered) {
      assertThat(
              new SignedTreeHead(head, signed.signature(), signed.signerFingerprint())
                  .verify(signer.certificate()))
          .isFalse();
    }
    byte[] signature = signed.signature();
    for (int bit = 0; bit < signature.length * 8; bit += 7) {
      byte[] flipped = signature.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(
              new SignedTreeHead(HEAD, flipped, signed.signerFingerprint())
                  .verify(signer.certificate()))
          .isFalse();
    }
    assertThat(
            new SignedTreeHead(HEAD, Arrays.copyOf(signature, 3), signed.signerFingerprint())
                .verify(signer.certificate()))
        .isFalse();
  }

  @Test
  void anotherNodesCertificateDoesNotVerify() {
    SignedTreeHead signed = AuditFixtures.nodeSigner().sign(HEAD);
    TreeHeadSigner other = AuditFixtures.otherSigner();
    assertThat(signed.verify(other.certificate())).isFalse();
    SignedTreeHead renamed = new SignedTreeHead(HEAD, signed.signature(), other.fingerprint());
    assertThat(renamed.verify(other.certificate())).isFalse();
  }

  @Test
  void refusesAKeyThatDoesNotBelongToTheCertificate() {
    TreeHeadSigner other = AuditFixtures.otherSigner();
    assertThatThrownBy(() -> new TreeHeadSigner(AuditFixtures.node().key(), other.certificate()))
        .isInstanceOf(SluiceException.class);
  }
}
