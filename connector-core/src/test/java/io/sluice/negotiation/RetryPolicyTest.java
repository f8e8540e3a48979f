package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.Property;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  static RetryPolicy policy(long initial, long max) {
    return new RetryPolicy(
        Duration.ofMillis(initial),
        Duration.ofMillis(max),
        Duration.ofMinutes(1),
        Duration.ofMinutes(2));
  }

  /** Every delay lies in the upper half of initial * 2^(failures-1), capped, and grows. */
  @Test
  void delaysDoubleUpToTheCapWithJitterInTheUpperHalf() {
    Property.forAll(
        500,
        gen -> {
          long initial = gen.between(1L, 5_000L);
          long max = initial + gen.between(0L, 600_000L);
          RetryPolicy p = policy(initial, max);
          int failures = gen.between(1, 80);
          double u = gen.random().nextDouble();
          long step =
              Math.min(
                  max, (long) Math.min(Long.MAX_VALUE / 4, initial * Math.pow(2, failures - 1)));
          long delay = p.delayMillis(failures, u);
          assertThat(delay).isBetween(step / 2, step);
          assertThat(p.delayMillis(failures + 1, 0.0))
              .isGreaterThanOrEqualTo(p.delayMillis(failures, 0.0));
          assertThat(p.delayMillis(failures, 0.0)).isLessThanOrEqualTo(delay);
          assertThat(p.delayMillis(failures, Math.nextDown(1.0))).isGreaterThanOrEqualTo(delay);
        });
  }

  @Test
  void theWindowCountsFromWhenTheMessageWasQueued() {
    RetryPolicy p = policy(100, 1000);
    assertThat(p.windowPassed(1_000, 60_999)).isFalse();
    assertThat(p.windowPassed(1_000, 61_000)).isTrue();
  }

  @Test
  void refusesSettingsThatCannotWork() {
    assertThatThrownBy(() -> policy(0, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> policy(100, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    Duration.ofMillis(1),
                    Duration.ofMillis(1),
                    Duration.ofMinutes(10),
                    Duration.ofMinutes(9)))
        .hasMessageContaining("below the retry window");
    assertThat(RetryPolicy.DEFAULTS.window()).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
  }
}
