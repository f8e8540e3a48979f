package io.sluice.negotiation;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A state machine's one table of allowed moves, keyed by our role in it, the state we are in (null
 * before the first message), whether we sent or received the message, and its kind. Anything not in
 * the table is illegal. Contract negotiation ({@link Transitions}) and collaborations share it.
 *
 * @param <R> the roles
 * @param <S> the states
 * @param <K> the message kinds
 */
public final class TransitionTable<R extends Enum<R>, S extends Enum<S>, K extends Enum<K>> {
  private record Key(Object role, Object from, Transitions.Direction direction, Object kind) {}

  private final Map<Key, S> moves = new HashMap<>();

  /** Adds a move; a second move for the same key is a bug in the table. */
  public TransitionTable<R, S, K> on(
      R role, S from, Transitions.Direction direction, K kind, S to) {
    if (moves.put(new Key(role, from, direction, kind), to) != null) {
      throw new IllegalStateException("duplicate transition " + role + " " + from + " " + kind);
    }
    return this;
  }

  /** The next state, or empty when the message is not allowed in {@code from}. */
  public Optional<S> next(R role, S from, Transitions.Direction direction, K kind) {
    return Optional.ofNullable(moves.get(new Key(role, from, direction, kind)));
  }

  /** How many moves each role has, for documentation and tests. */
  public Map<R, Integer> sizes(Class<R> roles) {
    Map<R, Integer> sizes = new java.util.EnumMap<>(roles);
    moves.keySet().forEach(k -> sizes.merge(roles.cast(k.role()), 1, Integer::sum));
    return sizes;
  }
}
