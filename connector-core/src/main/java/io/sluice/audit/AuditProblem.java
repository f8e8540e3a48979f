package io.sluice.audit;

import java.util.Objects;

/**
 * The first thing wrong with a stored audit log, in log order: entries are checked one by one, and
 * each signed head when the entries reach its size.
 *
 * @param kind what is wrong
 * @param sequence for {@code ENTRY_*} kinds the sequence number of the bad (or missing) entry; for
 *     {@code HEAD_*} kinds the tree size of the bad head
 * @param message a sentence for the operator naming the entry or head and what is wrong
 */
public record AuditProblem(Kind kind, long sequence, String message) {
  public enum Kind {
    /**
     * The entry's stored fields do not encode to its leaf hash: edited, or moved to another seq.
     */
    ENTRY_EDITED,
    /** No entry with this sequence number although later ones (or a signed head) exist. */
    ENTRY_MISSING,
    /** A stored head cannot be a tree head (bad root length, negative size or time, ...). */
    HEAD_MALFORMED,
    /** A head names a signer certificate the verifier was not given. */
    HEAD_UNKNOWN_SIGNER,
    /** A head's signature does not verify: its size, root, time or signature was changed. */
    HEAD_BAD_SIGNATURE,
    /**
     * A correctly signed head whose root differs from the root recomputed from the entries: an
     * entry before it was changed together with its stored leaf hash.
     */
    HEAD_ROOT_MISMATCH,
    /** A head is older than the head before it. */
    HEAD_OUT_OF_ORDER,
    /** A head's consistency proof from the previous head does not verify. */
    HEADS_INCONSISTENT;

    public boolean isHead() {
      return name().startsWith("HEAD");
    }
  }

  public AuditProblem {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}
