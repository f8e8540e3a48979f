package io.sluice.audit;

import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tree head with the node's signature: ECDSA P-256 with SHA-256 ({@code SHA256withECDSA}, DER
 * encoded) over {@link TreeHead#encode()}, and the SHA-256 fingerprint (lower-case hex) of the
 * certificate whose key made it.
 *
 * <p>Security property: if {@link #verify} returns true for a certificate the verifier trusts, the
 * holder of that certificate's key signed exactly this size, root and time.
 */
public final class SignedTreeHead {
  static final String ALGORITHM = "SHA256withECDSA";

  private final TreeHead head;
  private final byte[] signature;
  private final String signerFingerprint;

  public SignedTreeHead(TreeHead head, byte[] signature, String signerFingerprint) {
    this.head = Objects.requireNonNull(head, "head");
    this.signature = Objects.requireNonNull(signature, "signature").clone();
    this.signerFingerprint = Objects.requireNonNull(signerFingerprint, "signerFingerprint");
  }

  public TreeHead head() {
    return head;
  }

  /** The DER-encoded ECDSA signature; a copy. */
  public byte[] signature() {
    return signature.clone();
  }

  public String signerFingerprint() {
    return signerFingerprint;
  }

  /**
   * Whether {@code certificate} is the signer named by the fingerprint and its key signed this
   * head. A malformed signature is {@code false}, never an exception.
   */
  public boolean verify(X509Certificate certificate) {
    if (!PeerIdentity.sha256Hex(certificate).equals(signerFingerprint)) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(head.encode());
      return verifier.verify(signature);
    } catch (java.security.SignatureException e) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new SluiceException(
          ErrorCode.INTERNAL, "cannot verify a tree head with this certificate", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedTreeHead other
        && head.equals(other.head)
        && Arrays.equals(signature, other.signature)
        && signerFingerprint.equals(other.signerFingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(head, Arrays.hashCode(signature), signerFingerprint);
  }

  @Override
  public String toString() {
    return "SignedTreeHead[" + head + ", signer " + signerFingerprint + "]";
  }
}
