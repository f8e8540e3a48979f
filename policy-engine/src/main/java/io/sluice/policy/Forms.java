package io.sluice.policy;

import java.util.HashSet;
import java.util.Set;

/**
 * How a parsed document spelled things that have more than one JSON form (a single object instead
 * of a one-element array, {@code @id} instead of {@code uid}, ...), keyed by JSON pointer, so that
 * {@link PolicyCodec#toJson} writes the document back exactly. A policy built in code has no forms
 * and is written in the plain form. Forms never change meaning: the canonical form ignores them.
 */
final class Forms {
  /** A multi-valued property written as one value, not as an array. */
  static final String ONE = "one";

  /** A multi-valued property written as an empty array. */
  static final String EMPTY = "empty";

  /** A single-valued property (target, party, action) written as a one-element array. */
  static final String ARRAY = "array";

  /** A logical constraint's operands wrapped in {@code {"@list": [...]}}. */
  static final String LIST = "list";

  /** {@code @id} used instead of {@code uid}. */
  static final String AT_ID = "@id";

  /** A term written as {@code {"@id": term}} instead of a string. */
  static final String REF = "ref";

  /** An action written as {@code {"rdf:value": {"@id": term}}} without refinements. */
  static final String VALUE = "value";

  /** A party or asset written as an object although it has only a uid. */
  static final String OBJECT = "object";

  static final Forms NONE = new Forms(Set.of());

  private final Set<String> entries;

  private Forms(Set<String> entries) {
    this.entries = Set.copyOf(entries);
  }

  boolean has(String pointer, String form) {
    return entries.contains(pointer + '#' + form);
  }

  /** The pointer of element {@code index} of the multi-valued property at {@code property}. */
  String element(String property, int index) {
    return has(property, ONE) ? property : property + "/" + index;
  }

  /** The pointer of the value of the single-valued property at {@code property}. */
  String single(String property) {
    return has(property, ARRAY) ? property + "/0" : property;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Forms other && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  /** Collects forms while a document is read. */
  static final class Recorder {
    private final Set<String> entries = new HashSet<>();

    void add(String pointer, String form) {
      entries.add(pointer + '#' + form);
    }

    Forms build() {
      return entries.isEmpty() ? NONE : new Forms(entries);
    }
  }

  /** Escapes a JSON object key as an RFC 6901 reference token. */
  static String token(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
