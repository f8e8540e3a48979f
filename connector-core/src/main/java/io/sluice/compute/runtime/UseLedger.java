package io.sluice.compute.runtime;

import java.util.Optional;

/**
 * The uses of an agreement or collaboration, reserved exactly once per (terms, session id). A use
 * moves through three states:
 *
 * <ul>
 *   <li>{@link State#RESERVED} — counted; nothing derived from this node's data has left it yet. A
 *       retry of the same session id (after a failed connection, or a crash and restart) finds the
 *       reservation and counts nothing again;
 *   <li>{@link State#SPENT} — the session sent its first frame (or released its result): the use is
 *       gone for good, and the session id never runs again ({@code SESSION_SPENT}), since a rerun
 *       would be a second computation under one use;
 *   <li>{@link State#RETURNED} — the session failed while RESERVED and gave its use back; a retry
 *       reserves anew.
 * </ul>
 *
 * The count of the terms holds its RESERVED and SPENT uses, so two concurrent sessions cannot both
 * take the last use. A node that starts gives back what a crash left RESERVED ({@link
 * #giveBackAll}): nothing of those sessions left the node, since a use is SPENT durably before the
 * first frame goes out.
 */
public interface UseLedger {
  /** Where a session's use stands. */
  enum State {
    RESERVED,
    SPENT,
    RETURNED
  }

  /**
   * A reserved use.
   *
   * @param useNumber which use of the terms this session counts as (1, 2, ...)
   * @param repeated true when this session id already held the reservation (a retry)
   */
  record Reservation(String termsId, String sessionId, long useNumber, boolean repeated) {}

  /**
   * Reserves one use for this session, or finds the reservation the session already holds.
   *
   * @param maxUses the terms' use count; negative for no limit
   * @throws io.sluice.error.SluiceException USE_COUNT_EXHAUSTED when no use is left, SESSION_SPENT
   *     when this session id spent its use already, AGREEMENT_NOT_USABLE when the terms are unknown
   */
  Reservation reserve(String termsId, String sessionId, long maxUses);

  /** Marks the session's use spent, durably; harmless when it is spent already. */
  void spend(String termsId, String sessionId);

  /**
   * Gives a RESERVED use back (the session failed before anything left the node); false, and
   * nothing changed, when the use is spent, returned already, or was never reserved.
   */
  boolean giveBack(String termsId, String sessionId);

  /** Gives back every RESERVED use (at start, after a crash); returns how many. */
  int giveBackAll();

  /** Where this session's use stands, if it ever reserved one. */
  Optional<State> state(String termsId, String sessionId);
}
