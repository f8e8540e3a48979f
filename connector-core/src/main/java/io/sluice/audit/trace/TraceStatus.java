package io.sluice.audit.trace;

/** The verdict on a whole trace. */
public enum TraceStatus {
  /**
   * Every queried node's proofs verified and every frame and negotiation message was logged by both
   * its sender and its receiver, identically.
   */
  VERIFIED,
  /**
   * No discrepancy, but not everything could be checked: some counterparty's node was not queried,
   * or a queried node has no entries for the trace (see the notes).
   */
  PARTIAL,
  /** At least one discrepancy. */
  DISCREPANCIES
}
