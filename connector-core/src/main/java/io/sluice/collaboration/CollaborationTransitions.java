package io.sluice.collaboration;

import io.sluice.negotiation.TransitionTable;
import io.sluice.negotiation.Transitions.Direction;
import java.util.Map;
import java.util.Optional;

/**
 * The one transition table of collaborations, in the negotiation's {@link TransitionTable}. The
 * proposer signs as it proposes (SIGNING), collects countersignatures, and sends the final document
 * with the last one (IN_FORCE); a member holds a proposal for review (PROPOSED), countersigns
 * (SIGNING) or refuses (REFUSED), and is IN_FORCE once the final document arrives. A refusal (in a
 * message, in the reply to the proposal, or as a refused delivery) ends it as REFUSED at the
 * proposer, whose abandonment ends it as REFUSED at the others; expiry ends any state that is not
 * final.
 */
public final class CollaborationTransitions {
  /** Kinds of collaboration message (and the clock's expiry). */
  public enum Kind {
    PROPOSAL,
    COUNTERSIGNATURE,
    REFUSAL,
    FINAL,
    ABANDONMENT,
    /** The collaboration's expiry passed (the node's clock, "received" like a message). */
    EXPIRY
  }

  /**
   * Idempotency slots: a sender sends at most one message of each slot per collaboration — the
   * proposal, its answer (countersignature or refusal), the outcome (final or abandonment).
   */
  public enum Slot {
    PROPOSAL,
    ANSWER,
    OUTCOME
  }

  /** The slot of a message kind. */
  public static Slot slotOf(Kind kind) {
    return switch (kind) {
      case PROPOSAL -> Slot.PROPOSAL;
      case COUNTERSIGNATURE, REFUSAL -> Slot.ANSWER;
      case FINAL, ABANDONMENT -> Slot.OUTCOME;
      case EXPIRY -> throw new IllegalArgumentException("expiry is no message");
    };
  }

  private static final TransitionTable<CollaborationRole, CollaborationState, Kind> TABLE =
      new TransitionTable<>();

  static {
    CollaborationRole p = CollaborationRole.PROPOSER;
    TABLE
        .on(p, null, Direction.SENT, Kind.PROPOSAL, CollaborationState.SIGNING)
        .on(
            p,
            CollaborationState.SIGNING,
            Direction.RECEIVED,
            Kind.COUNTERSIGNATURE,
            CollaborationState.SIGNING)
        .on(p, CollaborationState.SIGNING, Direction.SENT, Kind.FINAL, CollaborationState.IN_FORCE)
        .on(
            p,
            CollaborationState.SIGNING,
            Direction.RECEIVED,
            Kind.REFUSAL,
            CollaborationState.REFUSED);
    CollaborationRole m = CollaborationRole.MEMBER;
    TABLE
        .on(m, null, Direction.RECEIVED, Kind.PROPOSAL, CollaborationState.PROPOSED)
        .on(
            m,
            CollaborationState.PROPOSED,
            Direction.SENT,
            Kind.COUNTERSIGNATURE,
            CollaborationState.SIGNING)
        .on(
            m,
            CollaborationState.PROPOSED,
            Direction.SENT,
            Kind.REFUSAL,
            CollaborationState.REFUSED)
        .on(
            m,
            CollaborationState.SIGNING,
            Direction.RECEIVED,
            Kind.FINAL,
            CollaborationState.IN_FORCE)
        .on(
            m,
            CollaborationState.PROPOSED,
            Direction.RECEIVED,
            Kind.ABANDONMENT,
            CollaborationState.REFUSED)
        .on(
            m,
            CollaborationState.SIGNING,
            Direction.RECEIVED,
            Kind.ABANDONMENT,
            CollaborationState.REFUSED);
    for (CollaborationRole role : CollaborationRole.values()) {
      for (CollaborationState s : CollaborationState.values()) {
        if (!s.isFinal()
            && !(role == CollaborationRole.PROPOSER && s == CollaborationState.PROPOSED)) {
          TABLE.on(role, s, Direction.RECEIVED, Kind.EXPIRY, CollaborationState.EXPIRED);
        }
      }
    }
  }

  private CollaborationTransitions() {}

  /** The next state, or empty when the move is not allowed in {@code from}. */
  public static Optional<CollaborationState> next(
      CollaborationRole role, CollaborationState from, Direction direction, Kind kind) {
    return TABLE.next(role, from, direction, kind);
  }

  static Map<CollaborationRole, Integer> sizes() {
    return TABLE.sizes(CollaborationRole.class);
  }
}
