package io.sluice.audit.trace;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.HeadCheck;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.List;
import java.util.Objects;

/**
 * One node's entries of a trace, as its caller fetched them: {@code participant} is the node's
 * participant id (the identity its certificate and signed tree heads belong to), {@code entries}
 * its log entries with the trace id, in any order.
 *
 * <p>The caller checks each entry's inclusion proof against the node's signed tree head before
 * building this and passes the verdict: {@code proofsVerified}, and in {@code problem} what went
 * wrong when they did not (a node that could not be reached is unverified with no entries). The
 * problem text is shown to operators; it is the empty string when there is none and must be empty
 * when the proofs verified.
 *
 * <p>{@code heads} is what the caller's node found when it held this node to the signed tree head
 * it already held of it ({@link HeadCheck}): a rewritten log is a discrepancy even when every
 * inclusion proof verifies against the node's new head.
 */
public record NodeTrace(
    String participant,
    List<AuditEntry> entries,
    boolean proofsVerified,
    String problem,
    HeadCheck heads) {

  /**
   * @throws SluiceException INVALID_ARGUMENT if the participant is empty or a verified node states
   *     a problem
   */
  public NodeTrace {
    Objects.requireNonNull(participant, "participant");
    if (participant.isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a node trace needs a participant");
    }
    entries = List.copyOf(entries);
    problem = problem == null ? "" : problem;
    heads = heads == null ? HeadCheck.notChecked(participant, "") : heads;
    if (proofsVerified && !problem.isEmpty()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "a node whose proofs verified has no problem to state");
    }
  }

  /** A node that was not held to any signed head. */
  public NodeTrace(
      String participant, List<AuditEntry> entries, boolean proofsVerified, String problem) {
    this(participant, entries, proofsVerified, problem, null);
  }

  /** This trace with what holding the node to its heads found. */
  public NodeTrace withHeads(HeadCheck check) {
    return new NodeTrace(participant, entries, proofsVerified, problem, check);
  }

  /** A node whose entries all came with inclusion proofs that verified. */
  public static NodeTrace verified(String participant, List<AuditEntry> entries) {
    return new NodeTrace(participant, entries, true, "");
  }

  /** A node whose entries (possibly none) could not be verified, and why. */
  public static NodeTrace unverified(String participant, List<AuditEntry> entries, String problem) {
    return new NodeTrace(participant, entries, false, problem);
  }
}
