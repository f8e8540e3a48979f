package io.sluice.data;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.arrow.vector.types.TimeUnit;

/** Arrow's temporal encodings as java.time values, and their ISO 8601 text. */
final class ArrowTime {
  /** {@code HH:mm:ss} plus as many fraction digits as needed (none when whole). */
  static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_TIME;

  /** {@code yyyy-MM-ddTHH:mm:ss} plus as many fraction digits as needed. */
  static final DateTimeFormatter LOCAL_DATE_TIME = DateTimeFormatter.ISO_LOCAL_DATE_TIME;

  /** Date-time with an offset ({@code Z} for UTC). */
  static final DateTimeFormatter OFFSET_DATE_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private ArrowTime() {}

  static Instant instant(long value, TimeUnit unit) {
    return switch (unit) {
      case SECOND -> Instant.ofEpochSecond(value);
      case MILLISECOND -> Instant.ofEpochMilli(value);
      case MICROSECOND ->
          Instant.ofEpochSecond(
              Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
      case NANOSECOND ->
          Instant.ofEpochSecond(
              Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
    };
  }

  /** A timestamp without zone: the wall-clock time it encodes, as if at UTC. */
  static LocalDateTime localDateTime(long value, TimeUnit unit) {
    return LocalDateTime.ofInstant(instant(value, unit), ZoneOffset.UTC);
  }

  static LocalDate dateFromMillis(long millis) {
    return LocalDate.ofEpochDay(Math.floorDiv(millis, 86_400_000L));
  }

  static LocalTime timeOfDay(long value, TimeUnit unit) {
    long nanos =
        switch (unit) {
          case SECOND -> value * 1_000_000_000L;
          case MILLISECOND -> value * 1_000_000L;
          case MICROSECOND -> value * 1_000L;
          case NANOSECOND -> value;
        };
    return LocalTime.ofNanoOfDay(nanos);
  }
}
