package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * A rule's action, optionally refined ({@code {"rdf:value": {"@id": "odrl:print"}, "refinement":
 * [...]}}). A refinement narrows the action: Sluice evaluates it like the rule's own constraints.
 *
 * @param name the action term as written, e.g. {@code use} or {@code odrl:use}
 * @param refinements refinement constraints, possibly empty
 */
public record Action(String name, List<Constraint> refinements) {
  public Action {
    Objects.requireNonNull(name, "name");
    refinements = List.copyOf(refinements);
  }

  public static Action of(String name) {
    return new Action(name, List.of());
  }
}
