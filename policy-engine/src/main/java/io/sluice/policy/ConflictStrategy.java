package io.sluice.policy;

import java.util.Optional;

/** ODRL's {@code conflict} property: what wins when a permission and a prohibition both apply. */
public enum ConflictStrategy {
  /** Prohibitions win; Sluice's default when a policy does not say. */
  PROHIBIT("prohibit"),
  /** Permissions win. */
  PERM("perm"),
  /** The policy is void for that request: deny. */
  INVALID("invalid");

  private final String term;

  ConflictStrategy(String term) {
    this.term = term;
  }

  public String term() {
    return term;
  }

  static Optional<ConflictStrategy> resolve(String written) {
    String local = Terms.odrlLocalName(written);
    for (ConflictStrategy strategy : values()) {
      if (strategy.term.equals(local)) {
        return Optional.of(strategy);
      }
    }
    return Optional.empty();
  }
}
