package io.sluice.signing;

import com.google.protobuf.ByteString;
import io.sluice.crypto.EcdsaP256;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The one signing and verifying path for documents participants sign: bilateral agreements and
 * collaborations. A signature is ECDSA P-256 with SHA-256 over {@code tag || 0x00 || document ||
 * chained}, where the tag says which document type and which signer's part it is (so a signature on
 * one kind of document never verifies as another) and {@code chained} is what the signer
 * countersigns besides the document (empty for most). The signer's certificate travels with the
 * signature and must have been issued by the authority to exactly the participant the document
 * names, valid when the document was made and not revoked now (or, while the document is being
 * made, valid now too).
 */
public final class SignedDocuments {

  /** Domain-separation tags: one per document type and signer part. Never change one. */
  public enum Tag {
    /** The provider's signature on an {@code Agreement}. */
    AGREEMENT_PROVIDER("sluice/agreement/v1/provider"),
    /** The consumer's countersignature on an {@code Agreement} and the provider's signature. */
    AGREEMENT_CONSUMER("sluice/agreement/v1/consumer"),
    /** A member's signature on a {@code Collaboration}. */
    COLLABORATION_MEMBER("sluice/collaboration/v1/member");

    private final byte[] label;

    Tag(String text) {
      this.label = (text + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    /** The label bytes, terminator included, as signatures cover them. */
    public byte[] label() {
      return label.clone();
    }
  }

  private SignedDocuments() {}

  /** Signs {@code document} (and {@code chained}, usually empty) under {@code tag}. */
  public static byte[] sign(NodeCredentials signer, Tag tag, byte[] document, byte[] chained) {
    return EcdsaP256.sign(signer.key(), tag.label, document, chained);
  }

  /** The signer's certificate as it travels with its signature. */
  public static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode certificate", e);
    }
  }

  /** Lower-case hex SHA-256. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "no SHA-256", e);
    }
  }

  /** One signature on a document, as it travels. */
  public record Signature(
      String who, String participant, ByteString certificate, Tag tag, ByteString signature) {}

  /**
   * Checks signers' certificates and signatures against the authority, at the document's time.
   *
   * @param signedAt when the document was made: the certificate must have been valid then
   * @param validNow whether the certificate must also be valid now (while a document is signed)
   */
  public record Verifier(AuthorityTrust trust, Instant signedAt, boolean validNow) {

    /**
     * Whether {@code s} is a valid signature of {@code s.participant()} on {@code document} (with
     * {@code chained}); if not, the reason is added to {@code problems}.
     *
     * @throws SluiceException CRL_EXPIRED when revocation cannot be checked (nothing is decided)
     */
    public boolean check(Signature s, byte[] document, byte[] chained, List<String> problems) {
      X509Certificate cert;
      try {
        cert =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(s.certificate().toByteArray()));
      } catch (CertificateException | RuntimeException e) {
        problems.add("the " + s.who() + " certificate is malformed");
        return false;
      }
      PeerIdentity identity;
      try {
        identity = verify(cert);
      } catch (SluiceException e) {
        if (e.code() == ErrorCode.CRL_EXPIRED) {
          throw e;
        }
        problems.add("the " + s.who() + " certificate is not acceptable: " + e.getMessage());
        return false;
      }
      if (!identity.participant().equals(s.participant())) {
        problems.add(
            "the "
                + s.who()
                + " certificate belongs to '"
                + identity.participant()
                + "', not '"
                + s.participant()
                + "'");
        return false;
      }
      if (!EcdsaP256.verify(
          cert.getPublicKey(), s.signature().toByteArray(), s.tag().label, document, chained)) {
        problems.add("the " + s.who() + " signature does not verify");
        return false;
      }
      return true;
    }

    private PeerIdentity verify(X509Certificate cert) {
      PeerIdentity identity = trust.verifySigner(cert, signedAt);
      if (validNow) {
        trust.verify(new X509Certificate[] {cert}, AuthorityTrust.PeerRole.CLIENT);
      }
      return identity;
    }
  }
}
