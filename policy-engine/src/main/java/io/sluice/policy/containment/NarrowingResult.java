package io.sluice.policy.containment;

import io.sluice.policy.Policy;
import java.util.List;
import java.util.Optional;

/**
 * The answer of {@link Narrowing#narrow}: the narrowed policy, or why none exists.
 *
 * @param policy the strictest policy acceptable to both, if one exists
 * @param reasons why none exists (empty when there is one)
 */
public record NarrowingResult(Optional<Policy> policy, List<Reason> reasons) {
  public NarrowingResult {
    reasons = List.copyOf(reasons);
    if (policy.isPresent() != reasons.isEmpty()) {
      throw new IllegalArgumentException("a policy has no reasons, no policy has some");
    }
  }

  public boolean narrowed() {
    return policy.isPresent();
  }
}
