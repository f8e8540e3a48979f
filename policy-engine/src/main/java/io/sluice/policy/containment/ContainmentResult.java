package io.sluice.policy.containment;

import java.util.List;

/**
 * The answer of {@link Containment#contains}.
 *
 * @param contained true when every use the request allows is allowed by the offer
 * @param reasons why not (empty when contained)
 */
public record ContainmentResult(boolean contained, List<Reason> reasons) {
  public ContainmentResult {
    reasons = List.copyOf(reasons);
    if (contained != reasons.isEmpty()) {
      throw new IllegalArgumentException("contained has no reasons, not contained has some");
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(contained ? "CONTAINED" : "NOT CONTAINED");
    for (Reason r : reasons) {
      s.append("\n  ").append(r);
    }
    return s.toString();
  }
}
