package io.sluice.negotiation;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.signing.SignedDocuments;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Signing and checking agreements, through the one path all signed documents share ({@link
 * SignedDocuments}). The provider signs the exact agreement bytes; the consumer countersigns those
 * bytes together with the provider's signature. Both signatures are ECDSA P-256 with SHA-256 under
 * domain-separation labels, and both signers' certificates travel with the agreement so anyone
 * holding the authority certificate can check it later.
 */
public final class Agreements {
  private static final SignedDocuments.Tag PROVIDER_LABEL = SignedDocuments.Tag.AGREEMENT_PROVIDER;
  private static final SignedDocuments.Tag CONSUMER_LABEL = SignedDocuments.Tag.AGREEMENT_CONSUMER;

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
    SignedDocuments.Verifier verifier =
        new SignedDocuments.Verifier(
            trust, Instant.ofEpochMilli(agreement.getCreatedMs()), validNow);
    boolean provider =
        verifier.check(
            new SignedDocuments.Signature(
                "provider",
                agreement.getProviderId(),
                signed.getProviderCertificate(),
                PROVIDER_LABEL,
                signed.getProviderSignature()),
            bytes,
            new byte[0],
            problems);
    boolean consumer =
        !signed.getConsumerSignature().isEmpty()
            && verifier.check(
                new SignedDocuments.Signature(
                    "consumer",
                    agreement.getConsumerId(),
                    signed.getConsumerCertificate(),
                    CONSUMER_LABEL,
                    signed.getConsumerSignature()),
                bytes,
                signed.getProviderSignature().toByteArray(),
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

  private static byte[] sign(
      NodeCredentials signer, SignedDocuments.Tag tag, byte[] agreement, byte[] extra) {
    return SignedDocuments.sign(signer, tag, agreement, extra);
  }

  private static byte[] encoded(X509Certificate cert) {
    return SignedDocuments.encoded(cert);
  }

  public static String sha256Hex(byte[] bytes) {
    return SignedDocuments.sha256Hex(bytes);
  }
}
