package io.sluice.policy;

import java.util.Objects;

/**
 * One thing wrong with a policy document.
 *
 * @param pointer a JSON pointer (RFC 6901) to the offending value; {@code ""} is the document
 * @param message what is wrong, in plain words
 */
public record PolicyProblem(String pointer, String message) {
  public PolicyProblem {
    Objects.requireNonNull(pointer, "pointer");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return (pointer.isEmpty() ? "/" : pointer) + ": " + message;
  }
}
