package io.sluice.negotiation;

import java.time.Duration;
import java.util.Objects;

/**
 * How long each side of a negotiation keeps trying. An undelivered message is retried with
 * exponential back-off and jitter until {@code window} has passed since it was queued; then a
 * negotiation that is not final is given up: it becomes TERMINATED and a termination notice is
 * queued, which is retried (back-off capped at {@code maxDelay}) until the peer takes it. A
 * provider waiting in OFFERED or AGREED for longer than {@code agreedTimeout} terminates the same
 * way. The window should outlast a node restart (minutes, not seconds), and the provider's timeout
 * is at least the window, so a provider never gives up on a consumer that is still retrying.
 *
 * @param initialDelay the wait after the first failed delivery
 * @param maxDelay the longest wait between two deliveries
 * @param window how long a message is retried before its negotiation is given up
 * @param agreedTimeout how long a provider waits for the consumer's next message
 */
public record RetryPolicy(
    Duration initialDelay, Duration maxDelay, Duration window, Duration agreedTimeout) {
  /** 0.5 s doubling to 30 s, for 10 minutes; a provider waits 20 minutes. */
  public static final RetryPolicy DEFAULTS =
      new RetryPolicy(
          Duration.ofMillis(500),
          Duration.ofSeconds(30),
          Duration.ofMinutes(10),
          Duration.ofMinutes(20));

  public RetryPolicy {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(agreedTimeout, "agreedTimeout");
    if (initialDelay.toMillis() < 1) {
      throw new IllegalArgumentException("the initial delay must be at least 1 ms");
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("the maximum delay must not be below the initial delay");
    }
    if (window.toMillis() < 1) {
      throw new IllegalArgumentException("the retry window must be at least 1 ms");
    }
    if (agreedTimeout.compareTo(window) < 0) {
      throw new IllegalArgumentException(
          "the provider's timeout must not be below the retry window");
    }
  }

  /**
   * The wait after the {@code failures}-th failed delivery of a message: the initial delay doubled
   * for every earlier failure and capped at the maximum, then drawn from its upper half by {@code
   * jitter} (uniform in [0, 1)), so that peers which failed together do not retry together.
   */
  public long delayMillis(int failures, double jitter) {
    long cap = maxDelay.toMillis();
    long base = initialDelay.toMillis();
    for (int i = 1; i < failures && base < cap; i++) {
      base *= 2;
    }
    base = Math.min(base, cap);
    long half = base / 2;
    double u = Math.min(Math.max(jitter, 0), Math.nextDown(1.0));
    return half + (long) (u * (base - half + 1));
  }

  /** Whether a message queued at {@code sinceMs} has been retried for the whole window. */
  public boolean windowPassed(long sinceMs, long nowMs) {
    return nowMs - sinceMs >= window.toMillis();
  }

  /**
   * Whether a failed delivery may pass on its own and is worth retrying: transport failures, an
   * overloaded peer and a peer's internal error. A peer's refusal of the message itself is not.
   */
  public static boolean retryable(io.sluice.error.SluiceException e) {
    return switch (e.category()) {
      case UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL -> true;
      case INVALID_ARGUMENT,
          POLICY_DENIED,
          PROTOCOL_VIOLATION,
          NOT_FOUND,
          CONFLICT,
          UNAUTHENTICATED ->
          false;
    };
  }
}
