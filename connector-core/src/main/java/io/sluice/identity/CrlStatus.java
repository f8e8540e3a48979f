package io.sluice.identity;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The authority's CRL as a node holds it at one instant: the last valid CRL read from the file, and
 * whether it can still be trusted to say who is revoked. A CRL is <em>current</em> until its
 * nextUpdate, <em>overdue</em> during the grace after it (peers are still accepted, the operator is
 * warned), and <em>expired</em> after that: every peer is refused until a fresh CRL is in place.
 *
 * @param file the CRL file the node reads
 * @param number the CRL number of the CRL in force
 * @param nextUpdate when the authority promised its next CRL
 * @param grace how long after nextUpdate the CRL is still trusted
 * @param fileProblem why the file's current content is not the CRL in force (missing, unreadable,
 *     forged, older), if it is not
 * @param at the instant this status describes
 */
public record CrlStatus(
    Path file,
    BigInteger number,
    Instant nextUpdate,
    Duration grace,
    Optional<String> fileProblem,
    Instant at) {

  /** Where a CRL stands. */
  public enum State {
    CURRENT,
    OVERDUE,
    EXPIRED
  }

  /** The first instant at which the node refuses every peer. */
  public Instant refuseAfter() {
    return nextUpdate.plus(grace);
  }

  public State state() {
    if (!at.isAfter(nextUpdate)) {
      return State.CURRENT;
    }
    return at.isAfter(refuseAfter()) ? State.EXPIRED : State.OVERDUE;
  }

  /** True while revocation can be checked (current or overdue). */
  public boolean usable() {
    return state() != State.EXPIRED;
  }

  /** One line for the operator: what the node does and why (the most telling part first). */
  public String describe() {
    String crl = "the CRL (number " + number + ")";
    String tail = fileProblem.map(p -> "; the file " + p).orElse("") + " [" + file + "]";
    return switch (state()) {
      case CURRENT -> crl + " is current until " + nextUpdate + tail;
      case OVERDUE ->
          crl
              + " passed its next update at "
              + nextUpdate
              + "; every peer is refused after "
              + refuseAfter()
              + " unless a fresh CRL is in place (sluice authority crl)"
              + tail;
      case EXPIRED ->
          "revocation cannot be checked: "
              + crl
              + " expired at "
              + nextUpdate
              + " and its grace at "
              + refuseAfter()
              + "; every peer is refused until a fresh CRL is in place (sluice authority crl)"
              + tail;
    };
  }
}
