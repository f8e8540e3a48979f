package io.sluice.policy;

import java.util.Optional;

/** The ODRL policy subclasses Sluice accepts. */
public enum PolicyType {
  /** A set of rules with no particular parties ({@code Policy} is read as a Set). */
  SET("Set"),
  /** A provider's proposal: must name an assigner. */
  OFFER("Offer"),
  /** Terms both parties granted: must name an assigner and an assignee. */
  AGREEMENT("Agreement");

  private final String term;

  PolicyType(String term) {
    this.term = term;
  }

  public String term() {
    return term;
  }

  static Optional<PolicyType> resolve(String written) {
    String local = Terms.odrlLocalName(written);
    if (local.equals("Policy")) {
      return Optional.of(SET);
    }
    for (PolicyType type : values()) {
      if (type.term.equals(local)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
