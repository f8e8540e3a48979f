package io.sluice.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetentionPeriodTest {
  private static Instant deadline(String retention, String from) {
    return RetentionPeriod.parse(retention).deadline(Instant.parse(from));
  }

  @Test
  void daysAndTimesAreExactDurations() {
    assertThat(deadline("P30D", "2026-03-01T10:15:30.123Z")).isEqualTo("2026-03-31T10:15:30.123Z");
    assertThat(deadline("PT12H", "2026-03-01T22:00:00Z")).isEqualTo("2026-03-02T10:00:00Z");
    assertThat(deadline("P2W", "2026-03-01T00:00:00Z")).isEqualTo("2026-03-15T00:00:00Z");
    assertThat(deadline("P1DT1H30M15.5S", "2026-03-01T00:00:00Z"))
        .isEqualTo("2026-03-02T01:30:15.500Z");
  }

  @Test
  void yearsAndMonthsAreCalendarArithmeticInUtc() {
    assertThat(deadline("P1M", "2026-01-31T08:00:00Z")).isEqualTo("2026-02-28T08:00:00Z");
    assertThat(deadline("P1M", "2028-01-31T08:00:00Z")).isEqualTo("2028-02-29T08:00:00Z");
    assertThat(deadline("P1Y", "2028-02-29T00:00:00Z")).isEqualTo("2029-02-28T00:00:00Z");
    // months first, then days: 31 Jan + 1 month = 28 Feb, + 1 day = 1 Mar
    assertThat(deadline("P1M1D", "2026-01-31T00:00:00Z")).isEqualTo("2026-03-01T00:00:00Z");
    assertThat(deadline("P1Y2M", "2026-03-01T00:00:00Z")).isEqualTo("2027-05-01T00:00:00Z");
  }

  @Test
  void refusesWhatIsNotAnIsoDurationAsAnUnfulfillableDuty() {
    for (String bad : new String[] {"30 days", "P", "PT", "P1H", "-P1D", "P1.5D", ""}) {
      assertThatThrownBy(() -> RetentionPeriod.parse(bad))
          .as(bad)
          .isInstanceOf(SluiceException.class)
          .hasMessageContaining("ISO 8601")
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.DELETE_DUTY_UNFULFILLABLE);
    }
  }

  @Test
  void refusesADeadlineBeyondWhatAnInstantHolds() {
    assertThatThrownBy(() -> deadline("P999999999Y", "2026-01-01T00:00:00Z"))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("beyond");
  }
}
