package io.sluice.policy;

import java.util.List;
import java.util.Map;

/**
 * An assigner, assignee or other party function, written as an IRI or as an object. A party's uid
 * is matched against the caller's {@code participant} claim; a PartyCollection given by {@code
 * source} and {@code refinement} matches callers whose claims satisfy the refinement.
 *
 * @param uid the participant id or collection id, or null for a collection given by source
 * @param types the {@code @type} values as written (e.g. {@code PartyCollection}), possibly empty
 * @param source for a PartyCollection, where its members come from, or null
 * @param refinements constraints every member satisfies, possibly empty
 * @param annotations other prefixed properties (e.g. {@code vcard:fn}) as compact JSON text
 */
public record Party(
    String uid,
    List<String> types,
    String source,
    List<Constraint> refinements,
    Map<String, String> annotations) {
  public Party {
    types = List.copyOf(types);
    refinements = List.copyOf(refinements);
    annotations = JsonText.orderedCopy(annotations);
  }

  public static Party of(String uid) {
    return new Party(uid, List.of(), null, List.of(), Map.of());
  }

  /** True when it carries nothing but a uid, so it is written as a plain IRI. */
  boolean plain() {
    return uid != null
        && types.isEmpty()
        && source == null
        && refinements.isEmpty()
        && annotations.isEmpty();
  }
}
