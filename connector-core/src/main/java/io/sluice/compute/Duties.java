package io.sluice.compute;

import io.sluice.policy.eval.Obligation;
import java.util.List;
import java.util.Optional;

/**
 * What one node can do about an agreement's duties (ODRL {@code duty}), asked by {@link
 * ComputeGuard} before a use is counted: a duty the node cannot carry out refuses the computation
 * beforehand, never silently; a duty already violated puts its permission out of force.
 */
public interface Duties {
  /** A duty of an agreement that was not fulfilled: its JSON pointer and why. */
  record Violation(String dutyPointer, String reason) {}

  /** Why this node cannot carry out {@code duty} for the computation about to run, if it cannot. */
  Optional<String> cannotCarryOut(Obligation duty);

  /** The duties of {@code agreementId} violated so far. */
  List<Violation> violated(String agreementId);

  /** Accepts no duty at all and knows of no violation: for computations that promise nothing. */
  Duties NONE =
      new Duties() {
        @Override
        public Optional<String> cannotCarryOut(Obligation duty) {
          return Optional.of("this node carries out no " + duty.action() + " duty here");
        }

        @Override
        public List<Violation> violated(String agreementId) {
          return List.of();
        }
      };
}
