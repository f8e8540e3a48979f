package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.negotiation.Transitions.Direction;
import io.sluice.negotiation.Transitions.Kind;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TransitionsTest {
  @Test
  void finalStatesAcceptNothing() {
    for (Role role : Role.values()) {
      for (NegotiationState s : NegotiationState.values()) {
        if (!s.isFinal()) {
          continue;
        }
        for (Direction d : Direction.values()) {
          for (Kind k : Kind.values()) {
            assertThat(Transitions.next(role, s, d, k))
                .as(role + " " + s + " " + d + " " + k)
                .isEmpty();
          }
        }
      }
    }
  }

  @Test
  void theHappyPathsAreInTheTable() {
    assertThat(Transitions.next(Role.CONSUMER, null, Direction.SENT, Kind.REQUEST))
        .contains(NegotiationState.REQUESTED);
    assertThat(
            Transitions.next(
                Role.PROVIDER, NegotiationState.AGREED, Direction.RECEIVED, Kind.VERIFICATION))
        .contains(NegotiationState.VERIFIED);
    assertThat(
            Transitions.next(
                Role.PROVIDER, NegotiationState.AGREED, Direction.SENT, Kind.VERIFICATION))
        .isEmpty();
  }

  /** Random event sequences never leave the table and never leave a final state. */
  @Test
  void randomEventSequencesStayInsideTheTable() {
    Random random = new Random(20261129L);
    for (int run = 0; run < 10_000; run++) {
      Role role = Role.values()[random.nextInt(2)];
      NegotiationState state = null;
      for (int step = 0; step < 12; step++) {
        Direction d = Direction.values()[random.nextInt(2)];
        Kind k = Kind.values()[random.nextInt(Kind.values().length)];
        var next = Transitions.next(role, state, d, k);
        if (state != null && state.isFinal()) {
          assertThat(next).isEmpty();
        }
        if (next.isPresent()) {
          if (k == Kind.TERMINATION) {
            assertThat(next).contains(NegotiationState.TERMINATED);
          }
          state = next.get();
        }
      }
    }
  }
}
