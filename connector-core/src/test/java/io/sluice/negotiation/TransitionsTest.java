package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.negotiation.Transitions.Direction;
import io.sluice.negotiation.Transitions.Kind;
import io.sluice.testing.Property;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  @Test
  void aProviderMayLearnOfANegotiationByItsTerminationOnly() {
    assertThat(Transitions.next(Role.PROVIDER, null, Direction.RECEIVED, Kind.TERMINATION))
        .contains(NegotiationState.TERMINATED);
    assertThat(Transitions.next(Role.PROVIDER, null, Direction.SENT, Kind.TERMINATION)).isEmpty();
    assertThat(Transitions.next(Role.CONSUMER, null, Direction.RECEIVED, Kind.TERMINATION))
        .isEmpty();
  }

  /** Random event sequences never leave the table and never leave a final state. */
  @Test
  void randomEventSequencesStayInsideTheTable() {
    Property.forAll(
        2_000,
        gen -> {
          Role role = gen.pick(Role.values());
          NegotiationState state = null;
          for (int step = 0; step < 12; step++) {
            Direction d = gen.pick(Direction.values());
            Kind k = gen.pick(Kind.values());
            var next = Transitions.next(role, state, d, k);
            if (state != null && state.isFinal()) {
              assertThat(next).isEmpty();
            }
            if (next.isPresent()) {
              if (k == Kind.TERMINATION) {
                assertThat(next).contains(NegotiationState.TERMINATED);
              }
              assertThat(TransitionCheckingStore.inTable(role, state, next.get())).isTrue();
              state = next.get();
            }
          }
        });
  }

  /**
   * The driver takes every next state from the table: it never names a state to move to. (The five
   * moves to TERMINATED that once bypassed the table are how this test came about.)
   */
  @Test
  void theDriverNeverPicksATargetStateItself() throws Exception {
    String source =
        Files.readString(
            Path.of("src/main/java/io/sluice/negotiation/NegotiationManager.java"),
            StandardCharsets.UTF_8);
    Matcher move = Pattern.compile("moveTo\\(\\s*NegotiationState\\.").matcher(source);
    assertThat(move.find()).as("moveTo(NegotiationState.X, ...) in NegotiationManager").isFalse();
    assertThat(source).contains("moveTo(");
  }
}
