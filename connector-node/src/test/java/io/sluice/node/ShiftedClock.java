package io.sluice.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock moved by an offset a test can change: time runs on (so a node can sign, agree
 * and time out as usual) while a test jumps days ahead to pass a deadline.
 */
public final class ShiftedClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  /** Moves this clock to {@code instant} now (and runs on from there). */
  public void set(Instant instant) {
    offset = Duration.between(Instant.now(), instant);
  }

  /** Back to the system clock. */
  public void reset() {
    offset = Duration.ZERO;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("UTC only");
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }
}
