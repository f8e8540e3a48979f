package io.sluice.collaboration;

import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.SignedCollaboration;
import java.util.ArrayList;
import java.util.List;

/**
 * A collaboration as one node holds it: where it stands, and the signed document as this node has
 * it (the proposal with the signatures known here, or the final document every member holds).
 *
 * @param signed the serialized {@code SignedCollaboration}
 * @param reasons why it moved (refusals, expiry), oldest first
 * @param version optimistic-locking version (0: not stored yet)
 */
public record StoredCollaboration(
    String id,
    CollaborationRole role,
    String proposer,
    CollaborationState state,
    byte[] signed,
    List<String> reasons,
    String traceId,
    long expiresMs,
    long createdMs,
    long updatedMs,
    long version) {

  public StoredCollaboration {
    signed = signed.clone();
    reasons = List.copyOf(reasons);
  }

  @Override
  public byte[] signed() {
    return signed.clone();
  }

  /** The signed document. */
  public SignedCollaboration signedCollaboration() {
    return CollaborationSignatures.parseSigned(signed);
  }

  /** The document's canonical bytes. */
  public byte[] document() {
    return signedCollaboration().getCollaboration().toByteArray();
  }

  /** The document (stored bytes were checked when they came in). */
  public Collaboration collaboration() {
    return CollaborationRules.parseCanonical(document());
  }

  /** This collaboration in {@code next}, changed at {@code nowMs}, with more reasons. */
  public StoredCollaboration moveTo(CollaborationState next, long nowMs, List<String> more) {
    List<String> all = new ArrayList<>(reasons);
    all.addAll(more);
    return new StoredCollaboration(
        id, role, proposer, next, signed, all, traceId, expiresMs, createdMs, nowMs, version);
  }

  /** This collaboration holding {@code newSigned} instead. */
  public StoredCollaboration withSigned(byte[] newSigned) {
    return new StoredCollaboration(
        id, role, proposer, state, newSigned, reasons, traceId, expiresMs, createdMs, updatedMs,
        version);
  }

  /** As stored by a successful save: one version further. */
  StoredCollaboration saved() {
    return new StoredCollaboration(
        id,
        role,
        proposer,
        state,
        signed,
        reasons,
        traceId,
        expiresMs,
        createdMs,
        updatedMs,
        version + 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredCollaboration s
        && id.equals(s.id)
        && role == s.role
        && proposer.equals(s.proposer)
        && state == s.state
        && java.util.Arrays.equals(signed, s.signed)
        && reasons.equals(s.reasons)
        && traceId.equals(s.traceId)
        && expiresMs == s.expiresMs
        && createdMs == s.createdMs
        && updatedMs == s.updatedMs
        && version == s.version;
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "Collaboration[" + id + " " + role + " " + state + " v" + version + "]";
  }
}
