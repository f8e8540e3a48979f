package io.sluice.audit;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How an {@link AuditLog} batches and signs.
 *
 * @param queueCapacity appended events waiting to be written; when the queue is full, {@link
 *     AuditLog#append} blocks until the writer has taken a batch
 * @param maxBatchSize at most this many events are written in one transaction
 * @param signEveryEntries a head is signed as soon as this many entries are not covered by one
 * @param signInterval a head is signed when entries have waited this long for one (by the log's
 *     clock)
 * @param previousSigners certificates the node had before its current one: heads they signed still
 *     verify when the log opens
 */
public record AuditLogConfig(
    int queueCapacity,
    int maxBatchSize,
    long signEveryEntries,
    Duration signInterval,
    List<X509Certificate> previousSigners) {

  public AuditLogConfig {
    Objects.requireNonNull(signInterval, "signInterval");
    previousSigners = List.copyOf(previousSigners);
    if (queueCapacity < 1 || maxBatchSize < 1 || signEveryEntries < 1) {
      throw new SluiceException(
          ErrorCode.INVALID_CONFIG, "audit queue, batch and signing sizes must be positive");
    }
    if (signInterval.isNegative() || signInterval.isZero()) {
      throw new SluiceException(ErrorCode.INVALID_CONFIG, "the audit signing interval is positive");
    }
  }

  /** 65,536 queued events, batches of up to 8,192, a head every 10,000 entries or 10 seconds. */
  public static AuditLogConfig defaults() {
    return new AuditLogConfig(65_536, 8_192, 10_000, Duration.ofSeconds(10), List.of());
  }

  public AuditLogConfig withQueueCapacity(int value) {
    return new AuditLogConfig(value, maxBatchSize, signEveryEntries, signInterval, previousSigners);
  }

  public AuditLogConfig withMaxBatchSize(int value) {
    return new AuditLogConfig(
        queueCapacity, value, signEveryEntries, signInterval, previousSigners);
  }

  public AuditLogConfig withSignEveryEntries(long value) {
    return new AuditLogConfig(queueCapacity, maxBatchSize, value, signInterval, previousSigners);
  }

  public AuditLogConfig withSignInterval(Duration value) {
    return new AuditLogConfig(
        queueCapacity, maxBatchSize, signEveryEntries, value, previousSigners);
  }

  public AuditLogConfig withPreviousSigners(List<X509Certificate> value) {
    return new AuditLogConfig(queueCapacity, maxBatchSize, signEveryEntries, signInterval, value);
  }
}
