package io.sluice.audit;

import io.sluice.audit.merkle.TreeHasher;
import java.util.Objects;

/**
 * An event at its place in the log: {@code sequence} is its index, counted from 0, which is also
 * its leaf index in the Merkle tree.
 */
public final class AuditEntry {
  private final long sequence;
  private final AuditEvent event;

  public AuditEntry(long sequence, AuditEvent event) {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence " + sequence);
    }
    this.sequence = sequence;
    this.event = Objects.requireNonNull(event, "event");
  }

  public long sequence() {
    return sequence;
  }

  public AuditEvent event() {
    return event;
  }

  /** The canonical bytes of this entry (see {@code docs/audit-log.md}): the Merkle leaf. */
  /** Decodes leaf bytes ({@link #encode()}) strictly; MALFORMED_MESSAGE otherwise. */
  public static AuditEntry decode(byte[] leaf) {
    return EntryCodec.decode(leaf);
  }

  public byte[] encode() {
    return event.encode(sequence);
  }

  /** {@code SHA-256(0x00 || encode())}, the RFC 9162 leaf hash to check inclusion proofs with. */
  public byte[] leafHash() {
    return new TreeHasher().hashLeaf(encode());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEntry other && sequence == other.sequence && event.equals(other.event);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sequence, event);
  }

  @Override
  public String toString() {
    return "AuditEntry[" + sequence + ", " + event + "]";
  }
}
