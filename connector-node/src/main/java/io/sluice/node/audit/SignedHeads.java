package io.sluice.node.audit;

import com.google.protobuf.ByteString;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.HeadWitness;
import io.sluice.audit.SignedTreeHead;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.CheckPeerResponse;
import io.sluice.proto.v1.SignedHead;
import java.time.Instant;
import java.util.List;

/** Signed tree heads, proofs and head checks between their wire form and ours. */
public final class SignedHeads {
  private SignedHeads() {}

  public static SignedHead toProto(SignedTreeHead h) {
    return SignedHead.newBuilder()
        .setTreeSize(h.head().size())
        .setRootHash(ByteString.copyFrom(h.head().rootHash()))
        .setTimeMs(h.head().timestamp().toEpochMilli())
        .setSignature(ByteString.copyFrom(h.signature()))
        .setSignerFingerprint(h.signerFingerprint())
        .build();
  }

  /**
   * A peer's head as it sent it; nothing about it is verified here.
   *
   * @throws SluiceException MALFORMED_MESSAGE if it cannot be a tree head (size, root, time)
   */
  public static SignedTreeHead fromProto(SignedHead h) {
    TreeHead head;
    try {
      head =
          new TreeHead(
              h.getTreeSize(), h.getRootHash().toByteArray(), Instant.ofEpochMilli(h.getTimeMs()));
    } catch (SluiceException | java.time.DateTimeException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "a malformed signed tree head");
    }
    return new SignedTreeHead(head, h.getSignature().toByteArray(), h.getSignerFingerprint());
  }

  /**
   * A peer's consistency proof, refused when it is longer than any proof can be.
   *
   * @throws SluiceException PROTOCOL_VIOLATION for more than {@link HeadWitness#MAX_PROOF_HASHES}
   */
  public static List<byte[]> proof(List<ByteString> hashes) {
    if (hashes.size() > HeadWitness.MAX_PROOF_HASHES) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "a consistency proof of " + hashes.size() + " hashes");
    }
    return hashes.stream().map(ByteString::toByteArray).toList();
  }

  static CheckPeerResponse toProto(HeadCheck c) {
    return CheckPeerResponse.newBuilder()
        .setVerdict(c.verdict().name())
        .setHeldSize(c.heldSize())
        .setNewSize(c.newSize())
        .setMessage(c.message())
        .build();
  }

  /** A check our node reported; an unknown verdict is taken as unproven. */
  static HeadCheck fromProto(String node, String holder, CheckPeerResponse r) {
    HeadCheck.Verdict verdict;
    try {
      verdict = HeadCheck.Verdict.valueOf(r.getVerdict());
    } catch (IllegalArgumentException e) {
      verdict = HeadCheck.Verdict.UNPROVEN;
    }
    return new HeadCheck(verdict, node, holder, r.getHeldSize(), r.getNewSize(), r.getMessage());
  }
}
