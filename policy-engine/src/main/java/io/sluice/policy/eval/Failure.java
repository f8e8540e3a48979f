package io.sluice.policy.eval;

/**
 * One reason a request was denied.
 *
 * @param ruleUid the rule's uid, or its JSON pointer when it has none; null when no rule applies
 * @param pointer JSON pointer of the constraint (or rule) in the policy document
 * @param expected what the policy requires, e.g. {@code purpose eq claims-settlement}
 * @param actual what the request has, e.g. {@code marketing} or {@code (not given)}
 * @param message the reason as a sentence
 */
public record Failure(
    String ruleUid, String pointer, String expected, String actual, String message) {

  @Override
  public String toString() {
    return pointer + ": " + message;
  }
}
