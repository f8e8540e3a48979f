package io.sluice.negotiation;

import java.util.Map;
import java.util.Optional;

/**
 * The one transition table of contract negotiation (a {@link TransitionTable}). A transition is
 * keyed by our role, our current state (null before the first message), whether we sent or received
 * the message, and its kind. Anything not in the table is illegal: a peer's illegal message is a
 * PROTOCOL_VIOLATION, our own is a bug. Every move to TERMINATED goes through this table; what the
 * driver does without a move (acknowledging a termination of what is already terminated, ending the
 * agreement of a FINALIZED negotiation) changes no state.
 */
public final class Transitions {
  /** Kinds of negotiation message. */
  public enum Kind {
    REQUEST,
    OFFER,
    ACCEPTED,
    AGREEMENT,
    VERIFICATION,
    FINALIZED,
    TERMINATION
  }

  /** Whether this node sent or received the message. */
  public enum Direction {
    SENT,
    RECEIVED
  }

  private static final TransitionTable<Role, NegotiationState, Kind> TABLE =
      new TransitionTable<>();

  static {
    // The consumer's view.
    on(Role.CONSUMER, null, Direction.SENT, Kind.REQUEST, NegotiationState.REQUESTED);
    on(
        Role.CONSUMER,
        NegotiationState.REQUESTED,
        Direction.RECEIVED,
        Kind.OFFER,
        NegotiationState.OFFERED);
    on(
        Role.CONSUMER,
        NegotiationState.REQUESTED,
        Direction.RECEIVED,
        Kind.AGREEMENT,
        NegotiationState.AGREED);
    on(
        Role.CONSUMER,
        NegotiationState.OFFERED,
        Direction.SENT,
        Kind.ACCEPTED,
        NegotiationState.ACCEPTED);
    on(
        Role.CONSUMER,
        NegotiationState.ACCEPTED,
        Direction.RECEIVED,
        Kind.AGREEMENT,
        NegotiationState.AGREED);
    on(
        Role.CONSUMER,
        NegotiationState.AGREED,
        Direction.SENT,
        Kind.VERIFICATION,
        NegotiationState.VERIFIED);
    on(
        Role.CONSUMER,
        NegotiationState.VERIFIED,
        Direction.RECEIVED,
        Kind.FINALIZED,
        NegotiationState.FINALIZED);
    // The provider's view: the mirror image.
    on(Role.PROVIDER, null, Direction.RECEIVED, Kind.REQUEST, NegotiationState.REQUESTED);
    on(
        Role.PROVIDER,
        NegotiationState.REQUESTED,
        Direction.SENT,
        Kind.OFFER,
        NegotiationState.OFFERED);
    on(
        Role.PROVIDER,
        NegotiationState.REQUESTED,
        Direction.SENT,
        Kind.AGREEMENT,
        NegotiationState.AGREED);
    on(
        Role.PROVIDER,
        NegotiationState.OFFERED,
        Direction.RECEIVED,
        Kind.ACCEPTED,
        NegotiationState.ACCEPTED);
    on(
        Role.PROVIDER,
        NegotiationState.ACCEPTED,
        Direction.SENT,
        Kind.AGREEMENT,
        NegotiationState.AGREED);
    on(
        Role.PROVIDER,
        NegotiationState.AGREED,
        Direction.RECEIVED,
        Kind.VERIFICATION,
        NegotiationState.VERIFIED);
    on(
        Role.PROVIDER,
        NegotiationState.VERIFIED,
        Direction.SENT,
        Kind.FINALIZED,
        NegotiationState.FINALIZED);
    // A consumer that gave up before its request got through tells the provider all the same: the
    // provider records the negotiation as TERMINATED, so both stores know it and a request that
    // arrives late (reordered or re-sent) is refused instead of agreed.
    on(Role.PROVIDER, null, Direction.RECEIVED, Kind.TERMINATION, NegotiationState.TERMINATED);
    // Either side may end any negotiation that is not final, by sending or receiving a termination.
    for (Role role : Role.values()) {
      for (NegotiationState s : NegotiationState.values()) {
        if (!s.isFinal()) {
          for (Direction d : Direction.values()) {
            on(role, s, d, Kind.TERMINATION, NegotiationState.TERMINATED);
          }
        }
      }
    }
  }

  private static void on(
      Role role, NegotiationState from, Direction direction, Kind kind, NegotiationState to) {
    TABLE.on(role, from, direction, kind, to);
  }

  private Transitions() {}

  /** The next state, or empty when the message is not allowed in {@code from}. */
  public static Optional<NegotiationState> next(
      Role role, NegotiationState from, Direction direction, Kind kind) {
    return TABLE.next(role, from, direction, kind);
  }

  /** Every (role, from) pair and the kinds it accepts, for documentation and tests. */
  static Map<Role, Integer> sizes() {
    return TABLE.sizes(Role.class);
  }
}
