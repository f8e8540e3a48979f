package io.sluice.audit;

import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** Signs tree heads with a node's key (see {@link SignedTreeHead} for the format). */
public final class TreeHeadSigner {
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final String fingerprint;

  /**
   * @param key the private key of {@code certificate}, ECDSA P-256
   * @throws SluiceException INVALID_ARGUMENT if the key does not sign for the certificate
   */
  public TreeHeadSigner(PrivateKey key, X509Certificate certificate) {
    this.key = Objects.requireNonNull(key, "key");
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.fingerprint = PeerIdentity.sha256Hex(certificate);
    TreeHead probe = new TreeHead(0, TreeHasher.emptyRoot(), java.time.Instant.EPOCH);
    if (!sign(probe).verify(certificate)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the signing key does not belong to the certificate");
    }
  }

  /** A signer with the node's own key and certificate. */
  public static TreeHeadSigner of(NodeCredentials credentials) {
    return new TreeHeadSigner(credentials.key(), credentials.certificate());
  }

  public SignedTreeHead sign(TreeHead head) {
    try {
      Signature signer = Signature.getInstance(SignedTreeHead.ALGORITHM);
      signer.initSign(key);
      signer.update(head.encode());
      return new SignedTreeHead(head, signer.sign(), fingerprint);
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot sign a tree head", e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The SHA-256 fingerprint (hex) of the certificate, as stored with each head. */
  public String fingerprint() {
    return fingerprint;
  }
}
