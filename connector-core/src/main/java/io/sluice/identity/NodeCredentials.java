package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A node's own key and certificate, checked to belong together and to name the expected
 * participant. The key is used for TLS and for signing agreements and tree heads.
 */
public final class NodeCredentials {
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final PeerIdentity identity;

  private NodeCredentials(PrivateKey key, X509Certificate certificate, PeerIdentity identity) {
    this.key = key;
    this.certificate = certificate;
    this.identity = identity;
  }

  /**
   * Pairs a key and certificate after checking that they match, that the authority issued the
   * certificate (valid now, not revoked, usable on both sides of a handshake) and that it names
   * {@code participant}. A CRL past its grace does not stop this: the node starts and refuses its
   * peers until the CRL is fresh.
   */
  public static NodeCredentials of(
      PrivateKey key, X509Certificate certificate, AuthorityTrust trust, String participant) {
    Objects.requireNonNull(key);
    if (!Authority.matches(key, certificate.getPublicKey())) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the private key does not belong to the certificate");
    }
    PeerIdentity identity;
    try {
      identity = trust.verifyOwn(certificate);
    } catch (SluiceException e) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the node certificate is not usable: " + e.getMessage());
    }
    if (!identity.participant().equals(participant)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the certificate names participant '"
              + identity.participant()
              + "', not '"
              + participant
              + "'");
    }
    return new NodeCredentials(key, certificate, identity);
  }

  public PrivateKey key() {
    return key;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public PeerIdentity identity() {
    return identity;
  }

  @Override
  public String toString() {
    return "NodeCredentials[" + identity.id() + "]";
  }
}
