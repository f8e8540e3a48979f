package io.sluice.results;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A delete duty's retention: an ISO 8601 duration ({@code P30D}, {@code PT12H}, {@code P1Y2M},
 * weeks as 7 days), the grammar the policy engine accepts. The deadline is calendar arithmetic in
 * UTC, as the policy engine compares calendar durations: years and months first ({@code P1M} from
 * 31 January is the last day of February), then days of 24 hours, then the time part.
 */
final class RetentionPeriod {
  private static final Pattern ISO =
      Pattern.compile(
          "P(?:(\\d{1,9})Y)?(?:(\\d{1,9})M)?(?:(\\d{1,9})W)?(?:(\\d{1,9})D)?"
              + "(?:T(?:(\\d{1,12})H)?(?:(\\d{1,12})M)?(?:(\\d{1,15})(?:\\.(\\d{1,9}))?S)?)?");

  private final String text;
  private final Period calendar;
  private final Duration time;

  private RetentionPeriod(String text, Period calendar, Duration time) {
    this.text = text;
    this.calendar = calendar;
    this.time = time;
  }

  /**
   * @throws SluiceException DELETE_DUTY_UNFULFILLABLE when {@code text} is not such a duration
   */
  static RetentionPeriod parse(String text) {
    String trimmed = text.trim();
    Matcher m = ISO.matcher(trimmed);
    if (!m.matches() || trimmed.equals("P") || trimmed.endsWith("T")) {
      throw unfulfillable("retention '" + text + "' is not an ISO 8601 duration such as P30D");
    }
    try {
      Period calendar =
          Period.of(
              Math.toIntExact(group(m, 1)),
              Math.toIntExact(group(m, 2)),
              Math.toIntExact(Math.addExact(Math.multiplyExact(group(m, 3), 7), group(m, 4))));
      Duration time =
          Duration.ofHours(group(m, 5))
              .plusMinutes(group(m, 6))
              .plusSeconds(group(m, 7))
              .plusNanos(
                  m.group(8) == null
                      ? 0
                      : Long.parseLong((m.group(8) + "00000000").substring(0, 9)));
      return new RetentionPeriod(trimmed, calendar, time);
    } catch (ArithmeticException e) {
      throw unfulfillable("retention '" + text + "' is too long");
    }
  }

  /**
   * {@code from} plus this retention.
   *
   * @throws SluiceException DELETE_DUTY_UNFULFILLABLE when the deadline is beyond what an instant
   *     holds
   */
  Instant deadline(Instant from) {
    try {
      return from.atOffset(ZoneOffset.UTC).plus(calendar).plus(time).toInstant();
    } catch (DateTimeException | ArithmeticException e) {
      throw unfulfillable("retention '" + text + "' ends beyond the representable time");
    }
  }

  @Override
  public String toString() {
    return text;
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }

  static SluiceException unfulfillable(String why) {
    return new SluiceException(ErrorCode.DELETE_DUTY_UNFULFILLABLE, why);
  }
}
