package io.sluice.negotiation;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.crypto.EcdsaP256;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.SignedAgreement;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Signing and checking agreements. The provider signs the exact agreement bytes; the consumer
 * countersigns those bytes together with the provider's signature. Both signatures are ECDSA P-256
 * with SHA-256 under domain-separation labels, and both signers' certificates travel with the
 * agreement so anyone holding the authority certificate can check it later.
 */
public final class Agreements {
  static final byte[] PROVIDER_LABEL =
      "sluice/agreement/v1/provider\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CONSUMER_LABEL =
      "sluice/agreement/v1/consumer\0".getBytes(StandardCharsets.US_ASCII);

  private Agreements() {}

  /** The provider's half: the agreement bytes and the provider's signature. */
  public static SignedAgreement signAsProvider(Agreement agreement, NodeCredentials provider) {
    byte[] bytes = agreement.toByteArray();
    return SignedAgreement.newBuilder()
        .setAgreement(ByteString.copyFrom(bytes))
        .setProviderSignature(
            ByteString.copyFrom(sign(provider, PROVIDER_LABEL, bytes, new byte[0])))
        .setProviderCertificate(ByteString.copyFrom(encoded(provider.certificate())))
        .build();
  }

  /** The consumer's countersignature over the same bytes and the provider's signature. */
  public static SignedAgreement countersign(SignedAgreement signed, NodeCredentials consumer) {
    byte[] signature =
        sign(
            consumer,
            CONSUMER_LABEL,
            signed.getAgreement().toByteArray(),
            signed.getProviderSignature().toByteArray());
    return signed.toBuilder()
        .setConsumerSignature(ByteString.copyFrom(signature))
        .setConsumerCertificate(ByteString.copyFrom(encoded(consumer.certificate())))
        .build();
  }

  /** Parses stored or received signed-agreement bytes; malformed bytes are a protocol violation. */
  public static SignedAgreement parseSigned(byte[] bytes) {
    try {
      return SignedAgreement.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed signed agreement");
    }
  }

  /** Parses the agreement bytes; malformed bytes are a protocol violation. */
  public static Agreement parse(SignedAgreement signed) {
    try {
      Agreement a = Agreement.parseFrom(signed.getAgreement());
      if (a.getVersion() != 1) {
        throw new SluiceException(
            ErrorCode.MALFORMED_MESSAGE, "unsupported agreement version " + a.getVersion());
      }
      return a;
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed agreement bytes");
    }
  }

  /** The outcome of checking an agreement's signatures. */
  public record Check(boolean providerValid, boolean consumerValid, List<String> problems) {
    public boolean fullyValid() {
      return providerValid && consumerValid && problems.isEmpty();
    }
  }

  /**
   * Checks an agreement for use: both signatures (the consumer's only when present) against the
   * certificates that travel with it, which the authority must have issued to exactly the
   * participants the agreement names, valid when the agreement was made ({@code created_ms}) and
   * not revoked now. A signer's certificate that has since expired, or was revoked as {@code
   * superseded} after the agreement was made, still stands behind it: renewing a node's certificate
   * does not end its agreements. The parties are bound by participant id and authority, not by key.
   *
   * @throws SluiceException CRL_EXPIRED when revocation cannot be checked (nothing is decided then)
   */
  public static Check check(SignedAgreement signed, AuthorityTrust trust) {
    return check(signed, trust, false);
  }

  /**
   * As {@link #check}, and both signers' certificates valid now: what a node requires of an
   * agreement while it is being made.
   */
  static Check checkWhileSigning(SignedAgreement signed, AuthorityTrust trust) {
    return check(signed, trust, true);
  }

  private static Check check(SignedAgreement signed, AuthorityTrust trust, boolean validNow) {
    List<String> problems = new ArrayList<>();
    Agreement agreement;
    try {
      agreement = parse(signed);
    } catch (SluiceException e) {
      return new Check(false, false, List.of(e.getMessage()));
    }
    byte[] bytes = signed.getAgreement().toByteArray();
    Signer signer = new Signer(trust, Instant.ofEpochMilli(agreement.getCreatedMs()), validNow);
    boolean provider =
        signer.check(
            "provider",
            agreement.getProviderId(),
            signed.getProviderCertificate(),
            PROVIDER_LABEL,
            bytes,
            new byte[0],
            signed.getProviderSignature(),
            problems);
    boolean consumer =
        !signed.getConsumerSignature().isEmpty()
            && signer.check(
                "consumer",
                agreement.getConsumerId(),
                signed.getConsumerCertificate(),
                CONSUMER_LABEL,
                bytes,
                signed.getProviderSignature().toByteArray(),
                signed.getConsumerSignature(),
                problems);
    if (!agreement.getPolicySha256().equals(sha256Hex(agreement.getPolicy().toByteArray()))) {
      problems.add("the policy digest does not match the policy");
    }
    if (!agreement.getSpace().equals(trust.space())) {
      problems.add("the agreement is for data space '" + agreement.getSpace() + "'");
    }
    return new Check(provider, consumer, List.copyOf(problems));
  }

  /**
   * Fails with BAD_SIGNATURE unless the provider's signature is valid and its certificate valid now
   * (consumer side, on receipt).
   */
  public static void requireProviderValid(SignedAgreement signed, AuthorityTrust trust) {
    Check c = checkWhileSigning(signed, trust);
    if (!c.providerValid() || !c.problems().isEmpty()) {
      throw new SluiceException(
          ErrorCode.BAD_SIGNATURE, "agreement refused: " + String.join("; ", c.problems()));
    }
  }

  /** Fails with BAD_SIGNATURE unless both signatures are valid and both certificates valid now. */
  public static void requireFullyValid(SignedAgreement signed, AuthorityTrust trust) {
    Check c = checkWhileSigning(signed, trust);
    if (!c.fullyValid()) {
      List<String> p = new ArrayList<>(c.problems());
      if (!c.consumerValid() && p.isEmpty()) {
        p.add("the consumer's countersignature is missing or invalid");
      }
      throw new SluiceException(
          ErrorCode.BAD_SIGNATURE, "agreement refused: " + String.join("; ", p));
    }
  }

  /** Whether the agreement's validity window contains {@code now}. */
  public static boolean validAt(Agreement agreement, Instant now) {
    long t = now.toEpochMilli();
    return t >= agreement.getValidFromMs() && t < agreement.getValidUntilMs();
  }

  /** Checks one signer's certificate and signature against the trust, at the agreement's time. */
  private record Signer(AuthorityTrust trust, Instant signedAt, boolean validNow) {
    boolean check(
        String who,
        String participant,
        ByteString certificate,
        byte[] label,
        byte[] agreement,
        byte[] extra,
        ByteString signature,
        List<String> problems) {
      X509Certificate cert;
      try {
        cert =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificate.toByteArray()));
      } catch (CertificateException | RuntimeException e) {
        problems.add("the " + who + " certificate is malformed");
        return false;
      }
      PeerIdentity identity;
      try {
        identity = verify(cert);
      } catch (SluiceException e) {
        if (e.code() == ErrorCode.CRL_EXPIRED) {
          throw e;
        }
        problems.add("the " + who + " certificate is not acceptable: " + e.getMessage());
        return false;
      }
      if (!identity.participant().equals(participant)) {
        problems.add(
            "the "
                + who
                + " certificate belongs to '"
                + identity.participant()
                + "', not '"
                + participant
                + "'");
        return false;
      }
      if (!EcdsaP256.verify(
          cert.getPublicKey(), signature.toByteArray(), label, agreement, extra)) {
        problems.add("the " + who + " signature does not verify");
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

  private static byte[] sign(NodeCredentials signer, byte[] label, byte[] agreement, byte[] extra) {
    return EcdsaP256.sign(signer.key(), label, agreement, extra);
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode certificate", e);
    }
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "no SHA-256", e);
    }
  }
}
