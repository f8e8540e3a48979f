package io.sluice.policy.containment;

/**
 * Why a policy is not contained in another, or why no narrowed agreement exists.
 *
 * @param pointer JSON pointer into the offer (the constraint, rule or property concerned)
 * @param message the reason as a sentence
 */
public record Reason(String pointer, String message) {
  @Override
  public String toString() {
    return (pointer.isEmpty() ? "/" : pointer) + ": " + message;
  }
}
