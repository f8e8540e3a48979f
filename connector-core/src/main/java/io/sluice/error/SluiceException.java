package io.sluice.error;

import java.util.Objects;

/**
 * The one exception type of Sluice. Its message is written for a person and is safe to show to a
 * peer: it never carries key material, raw identifiers or a library's own message.
 */
public class SluiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public SluiceException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public SluiceException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  public ErrorCategory category() {
    return code.category();
  }
}
