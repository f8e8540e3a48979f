package io.sluice.collaboration;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.collaboration.CollaborationTransitions.Kind;
import io.sluice.negotiation.Transitions.Direction;
import io.sluice.testing.Property;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CollaborationTransitionsTest {

  @Test
  void theHappyPathsAreInTheTable() {
    var p = CollaborationRole.PROPOSER;
    var m = CollaborationRole.MEMBER;
    assertThat(CollaborationTransitions.next(p, null, Direction.SENT, Kind.PROPOSAL))
        .contains(CollaborationState.SIGNING);
    assertThat(
            CollaborationTransitions.next(
                p, CollaborationState.SIGNING, Direction.SENT, Kind.FINAL))
        .contains(CollaborationState.IN_FORCE);
    assertThat(CollaborationTransitions.next(m, null, Direction.RECEIVED, Kind.PROPOSAL))
        .contains(CollaborationState.PROPOSED);
    assertThat(
            CollaborationTransitions.next(
                m, CollaborationState.PROPOSED, Direction.SENT, Kind.COUNTERSIGNATURE))
        .contains(CollaborationState.SIGNING);
    assertThat(
            CollaborationTransitions.next(
                m, CollaborationState.SIGNING, Direction.RECEIVED, Kind.FINAL))
        .contains(CollaborationState.IN_FORCE);
  }

  @Test
  void nothingLeavesAFinalStateAndNothingButExpiryLeavesInForce() {
    for (CollaborationRole role : CollaborationRole.values()) {
      for (Direction d : Direction.values()) {
        for (Kind k : Kind.values()) {
          for (CollaborationState s :
              EnumSet.of(CollaborationState.REFUSED, CollaborationState.EXPIRED)) {
            assertThat(CollaborationTransitions.next(role, s, d, k)).isEmpty();
          }
          Optional<CollaborationState> fromInForce =
              CollaborationTransitions.next(role, CollaborationState.IN_FORCE, d, k);
          if (k == Kind.EXPIRY && d == Direction.RECEIVED) {
            assertThat(fromInForce).contains(CollaborationState.EXPIRED);
          } else {
            assertThat(fromInForce).isEmpty();
          }
        }
      }
    }
  }

  @Test
  void randomEventSequencesNeverReachInForceWithoutEverySignatureStep() {
    // Any walk through the table that ends IN_FORCE went through the signing step of its role:
    // the proposer sent FINAL (only after the last countersignature), a member received FINAL
    // after it countersigned.
    int inForce =
        0
            + Property.forAll(
                500,
                gen -> {
                  CollaborationRole role = gen.pick(CollaborationRole.values());
                  CollaborationState state = null;
                  boolean signedStep = false;
                  int steps = gen.between(1, 12);
                  for (int i = 0; i < steps; i++) {
                    Kind k = gen.pick(Kind.values());
                    Direction d = gen.pick(Direction.values());
                    Optional<CollaborationState> next =
                        CollaborationTransitions.next(role, state, d, k);
                    if (next.isEmpty()) {
                      continue; // an illegal message: refused, state unchanged
                    }
                    if (k == Kind.COUNTERSIGNATURE && d == Direction.SENT || k == Kind.FINAL) {
                      signedStep |=
                          role == CollaborationRole.MEMBER ? k == Kind.COUNTERSIGNATURE : true;
                    }
                    assertThat(List.of(CollaborationState.values())).contains(next.get());
                    if (state != null && state.isFinal()) {
                      throw new AssertionError("left final state " + state);
                    }
                    state = next.get();
                  }
                  if (state == CollaborationState.IN_FORCE) {
                    assertThat(signedStep).as("IN_FORCE without signing").isTrue();
                  }
                });
    assertThat(inForce).isEqualTo(500);
    assertThat(CollaborationTransitions.sizes()).containsKeys(CollaborationRole.values());
  }
}
