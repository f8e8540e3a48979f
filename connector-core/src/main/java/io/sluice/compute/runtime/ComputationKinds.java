package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kinds a node runs, by policy name: the one lookup that replaces a switch over modes. A name
 * that is not registered is refused with the names that are.
 *
 * @param <K> the kinds as the node extends them (with their start and request handling)
 */
public final class ComputationKinds<K extends ComputationKind> {
  private final Map<String, K> kinds = new LinkedHashMap<>();

  @SafeVarargs
  public static <K extends ComputationKind> ComputationKinds<K> of(List<? extends K>... groups) {
    ComputationKinds<K> out = new ComputationKinds<>();
    for (List<? extends K> group : groups) {
      for (K k : group) {
        if (out.kinds.putIfAbsent(k.policyName(), k) != null) {
          throw new IllegalArgumentException("two kinds named " + k.policyName());
        }
      }
    }
    return out;
  }

  /**
   * The kind with this policy name.
   *
   * @throws SluiceException INVALID_ARGUMENT naming the known kinds (not the name asked for, which
   *     may come off the wire)
   */
  public K get(String policyName) {
    K k = kinds.get(policyName);
    if (k == null) {
      // The name may come off the wire: it is not echoed.
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "unknown computation kind (" + String.join(", ", kinds.keySet()) + ")");
    }
    return k;
  }

  public boolean knows(String policyName) {
    return kinds.containsKey(policyName);
  }

  public List<String> names() {
    return List.copyOf(kinds.keySet());
  }
}
