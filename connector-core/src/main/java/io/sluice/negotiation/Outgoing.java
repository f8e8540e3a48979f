package io.sluice.negotiation;

import java.util.Arrays;

/**
 * The message a negotiation still has to deliver to its peer, and how the delivery is going.
 *
 * @param message the serialized {@code NegotiationMessage} (empty: nothing to deliver)
 * @param attempts deliveries of this message that failed so far
 * @param sinceMs when the message was queued; the retry window counts from here
 * @param nextAttemptMs when to try again (due when it is not after now)
 */
public record Outgoing(byte[] message, int attempts, long sinceMs, long nextAttemptMs) {
  /** Nothing to deliver. */
  public static final Outgoing NONE = new Outgoing(new byte[0], 0, 0, 0);

  public Outgoing {
    message = message == null ? new byte[0] : message.clone();
  }

  /** A new message, to be delivered at once. */
  public static Outgoing now(byte[] message, long nowMs) {
    return new Outgoing(message, 0, nowMs, nowMs);
  }

  /** The same message after one more failed delivery, to be tried again at {@code nextMs}. */
  public Outgoing failedAgain(long nextMs) {
    return new Outgoing(message, attempts + 1, sinceMs, nextMs);
  }

  public boolean isEmpty() {
    return message.length == 0;
  }

  @Override
  public byte[] message() {
    return message.clone();
  }

  /** Whether {@code bytes} are exactly this message (the reply to them answers this one). */
  public boolean carries(byte[] bytes) {
    return Arrays.equals(message, bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Outgoing other
        && Arrays.equals(message, other.message)
        && attempts == other.attempts
        && sinceMs == other.sinceMs
        && nextAttemptMs == other.nextAttemptMs;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(message) + Long.hashCode(nextAttemptMs);
  }

  @Override
  public String toString() {
    return isEmpty()
        ? "Outgoing[none]"
        : "Outgoing["
            + message.length
            + " bytes, "
            + attempts
            + " failed, next "
            + nextAttemptMs
            + "]";
  }
}
