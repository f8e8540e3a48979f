package io.sluice.audit;

import java.util.Objects;

/**
 * What a node found when it held another node to the signed tree head it already held of that
 * node's audit log (see {@link HeadWitness}).
 *
 * @param node the node whose head was checked
 * @param holder the node that holds it to its heads (empty when nothing was checked)
 * @param heldSize the size of the head the holder held before (0 when none)
 * @param newSize the size of the head checked (0 when none)
 * @param message one sentence for operators, naming both nodes and both sizes
 */
public record HeadCheck(
    Verdict verdict, String node, String holder, long heldSize, long newSize, String message) {

  /** The outcome of a check. */
  public enum Verdict {
    /** Nothing was checked (no head came, or the caller did not ask). */
    NOT_CHECKED,
    /** No head was held; this one is now. */
    FIRST,
    /** The head is, extends or is a prefix of the held one, proven by a consistency proof. */
    CONSISTENT,
    /** The head contradicts the held one: the node's log was rewritten. */
    INCONSISTENT,
    /** No valid consistency proof could be had (the node refused, failed or was unreachable). */
    UNPROVEN,
    /** The head is not a valid signed head of that node (signature, certificate, size). */
    INVALID
  }

  public HeadCheck {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(message, "message");
  }

  /** A node that was not held to any head, and why. */
  public static HeadCheck notChecked(String node, String why) {
    return new HeadCheck(Verdict.NOT_CHECKED, node, "", 0, 0, why);
  }

  /** Whether the check found something wrong: a rewrite, or no proof where one was due. */
  public boolean problem() {
    return verdict == Verdict.INCONSISTENT
        || verdict == Verdict.UNPROVEN
        || verdict == Verdict.INVALID;
  }
}
