package io.sluice.collaboration;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import io.sluice.signing.SignedDocuments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Signing and checking collaborations, through {@link SignedDocuments} with the collaboration's own
 * tag. Every member signs the same document bytes on its own (no member's signature covers
 * another's), so signatures can arrive in any order; the final document carries them in the order
 * of the members, which makes it byte-identical on every member.
 */
public final class CollaborationSignatures {
  /** The value of {@code SignedCollaboration.format}. */
  public static final String FORMAT = "sluice.v1.SignedCollaboration";

  private CollaborationSignatures() {}

  /** {@code signer}'s signature on the document bytes. */
  public static MemberSignature sign(byte[] document, NodeCredentials signer) {
    return MemberSignature.newBuilder()
        .setMember(signer.identity().participant())
        .setSignature(
            ByteString.copyFrom(
                SignedDocuments.sign(
                    signer, SignedDocuments.Tag.COLLABORATION_MEMBER, document, new byte[0])))
        .setCertificate(ByteString.copyFrom(SignedDocuments.encoded(signer.certificate())))
        .build();
  }

  /** The document with these signatures, in the order of its members (others are dropped). */
  public static SignedCollaboration assemble(
      byte[] document, Collaboration c, Collection<MemberSignature> signatures) {
    Map<String, MemberSignature> byMember = new LinkedHashMap<>();
    signatures.forEach(s -> byMember.putIfAbsent(s.getMember(), s));
    SignedCollaboration.Builder b =
        SignedCollaboration.newBuilder()
            .setFormat(FORMAT)
            .setCollaboration(ByteString.copyFrom(document));
    for (CollaborationMember m : c.getMembersList()) {
      MemberSignature s = byMember.get(m.getParticipant());
      if (s != null) {
        b.addSignatures(s);
      }
    }
    return b.build();
  }

  /** Parses signed-collaboration bytes; malformed bytes are a protocol violation. */
  public static SignedCollaboration parseSigned(byte[] bytes) {
    try {
      SignedCollaboration s = SignedCollaboration.parseFrom(bytes);
      if (!s.getFormat().equals(FORMAT)) {
        throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "not a signed collaboration");
      }
      return s;
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed signed collaboration");
    }
  }

  /** Whether the bytes hold a signed collaboration (rather than, say, a signed agreement). */
  public static boolean isSignedCollaboration(byte[] bytes) {
    try {
      return SignedCollaboration.parseFrom(bytes).getFormat().equals(FORMAT);
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /**
   * The outcome of checking a signed collaboration.
   *
   * @param collaboration the document, when its bytes are valid (null otherwise)
   * @param signed the members whose signature is valid
   * @param problems what is wrong (empty: every present signature is valid)
   */
  public record Check(Collaboration collaboration, Set<String> signed, List<String> problems) {
    /** In force by its signatures: every member signed validly and nothing is wrong. */
    public boolean complete() {
      return collaboration != null
          && problems.isEmpty()
          && signed.size() == collaboration.getMembersCount();
    }
  }

  /**
   * Checks the document and every signature on it against the authority: each signer a member that
   * signs once, its certificate the authority's for that member, valid when the document was made
   * and not revoked now; with {@code validNow}, valid now too (while it is being signed).
   *
   * @throws SluiceException CRL_EXPIRED when revocation cannot be checked (nothing is decided then)
   */
  public static Check check(SignedCollaboration signed, AuthorityTrust trust, boolean validNow) {
    List<String> problems = new ArrayList<>();
    byte[] bytes = signed.getCollaboration().toByteArray();
    Collaboration c;
    try {
      c = CollaborationRules.parseCanonical(bytes);
    } catch (SluiceException e) {
      return new Check(null, Set.of(), List.of(e.getMessage()));
    }
    if (!c.getSpace().equals(trust.space())) {
      problems.add("the collaboration is for data space '" + c.getSpace() + "'");
    }
    SignedDocuments.Verifier verifier =
        new SignedDocuments.Verifier(trust, Instant.ofEpochMilli(c.getCreatedMs()), validNow);
    Set<String> valid = new TreeSet<>();
    Set<String> seen = new TreeSet<>();
    for (MemberSignature s : signed.getSignaturesList()) {
      if (!CollaborationRules.isMember(c, s.getMember())) {
        problems.add("'" + s.getMember() + "' signed but is no member");
        continue;
      }
      if (!seen.add(s.getMember())) {
        problems.add(s.getMember() + " signed twice");
        continue;
      }
      if (verify(verifier, s, bytes, problems)) {
        valid.add(s.getMember());
      }
    }
    return new Check(c, valid, List.copyOf(problems));
  }

  /** Whether one member's signature on the document bytes is valid; why not into problems. */
  static boolean verify(
      SignedDocuments.Verifier verifier,
      MemberSignature s,
      byte[] document,
      List<String> problems) {
    return verifier.check(
        new SignedDocuments.Signature(
            "member " + s.getMember(),
            s.getMember(),
            s.getCertificate(),
            SignedDocuments.Tag.COLLABORATION_MEMBER,
            s.getSignature()),
        document,
        new byte[0],
        problems);
  }

  /**
   * Fails with COLLABORATION_SIGNATURE_INVALID unless {@code s} is {@code member}'s valid signature
   * on the document, with a certificate valid now.
   */
  static void requireValid(
      MemberSignature s, String member, Collaboration c, byte[] document, AuthorityTrust trust) {
    List<String> problems = new ArrayList<>();
    if (!s.getMember().equals(member)) {
      problems.add("the signature is for '" + s.getMember() + "', sent by '" + member + "'");
    } else {
      verify(
          new SignedDocuments.Verifier(trust, Instant.ofEpochMilli(c.getCreatedMs()), true),
          s,
          document,
          problems);
    }
    if (!problems.isEmpty()) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_SIGNATURE_INVALID,
          "signature refused: " + String.join("; ", problems));
    }
  }
}
