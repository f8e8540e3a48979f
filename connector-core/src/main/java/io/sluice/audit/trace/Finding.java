package io.sluice.audit.trace;

import java.util.List;
import java.util.OptionalInt;

/**
 * A discrepancy or a note about a trace.
 *
 * @param node the node whose log holds the entry in question (for a transfer: the side that logged
 *     it, the sender when both did), or the node the finding is about
 * @param counterparty the other participant involved, empty for a finding about one node only
 * @param subject what it is about, for people ("frame 7 of stream s-1/forward", "node")
 * @param message a sentence naming both nodes and what differs
 * @param transfer the index in {@link TraceReport#transfers()}, when it is about a transfer
 * @param entries the indexes in {@link TraceReport#timeline()} of the entries involved, ascending
 */
public record Finding(
    Kind kind,
    String node,
    String counterparty,
    String subject,
    String message,
    OptionalInt transfer,
    List<Integer> entries) {

  public Finding {
    entries = List.copyOf(entries);
  }

  public boolean isDiscrepancy() {
    return kind.discrepancy();
  }

  /** The kinds of finding; all but the last two are discrepancies. */
  public enum Kind {
    /** The caller could not verify the node's inclusion proofs (the problem says why). */
    PROOFS_NOT_VERIFIED(true),
    /** Sent, and the receiver's log (which was queried) has no matching receipt. */
    NOT_RECEIVED(true),
    /** Received, and the sender's log (which was queried) has no matching send. */
    NOT_SENT(true),
    /** Both sides logged it with different digests. */
    DIGEST_MISMATCH(true),
    /** Both sides logged a frame with different row counts. */
    ROWS_MISMATCH(true),
    /** Both sides logged a frame with different byte counts. */
    BYTES_MISMATCH(true),
    /** Both sides logged a negotiation message with different kinds. */
    KIND_MISMATCH(true),
    /** The sender logged the same frame or message more than once. */
    DUPLICATE_SENT(true),
    /** The receiver logged the same frame or message more than once. */
    DUPLICATE_RECEIVED(true),
    /** A frame or message entry that cannot be paired: missing or ill-typed details, no peer. */
    MALFORMED_ENTRY(true),
    /** A frame or message entry whose actor is not the node whose log holds it. */
    WRONG_ACTOR(true),
    /** A node returned an entry of another trace. */
    WRONG_TRACE(true),
    /**
     * The node's signed head is not consistent with the head the caller's node holds it to: the
     * node rewrote its log (the message names both sizes). Its entries are still paired.
     */
    HEADS_INCONSISTENT(true),
    /**
     * The node's head could not be checked against the one the caller's node holds: it gave no
     * valid consistency proof, or the head is not validly its own.
     */
    HEADS_UNPROVEN(true),
    /** Entries with a counterparty whose node was not queried: they could not be paired. */
    COUNTERPARTY_NOT_QUERIED(false),
    /** A queried node returned no entries for the trace. */
    NO_ENTRIES(false);

    private final boolean discrepancy;

    Kind(boolean discrepancy) {
      this.discrepancy = discrepancy;
    }

    public boolean discrepancy() {
      return discrepancy;
    }
  }
}
