package io.sluice.results;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The audit events of a result's life ({@link EventType#RESULT_KEPT}, {@link
 * EventType#RESULT_DELETED}), in the computation's trace. Details hold the result id, the file
 * name, counts, the duty's pointer and deadline: never a path's directories or the file's contents.
 */
final class ResultEvents {
  /** Who asked for a deletion. */
  enum By {
    SWEEP,
    OPERATOR;

    String term() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String self;
  private final Clock clock;

  ResultEvents(String self, Clock clock) {
    this.self = self;
    this.clock = clock;
  }

  AuditEvent kept(ResultRecord r) {
    AuditEvent.Builder b =
        base(EventType.RESULT_KEPT, r)
            .digest(HexFormat.of().parseHex(r.output().sha256()))
            .detail("rows", r.output().rows())
            .detail("bytes", r.output().bytes());
    r.duty()
        .ifPresent(
            d ->
                b.detail("duty", d.pointer())
                    .detail("retention", d.retention())
                    .detail("deleteBy", d.deleteBy().toString()));
    return b.build();
  }

  AuditEvent deleted(ResultRecord r, By by) {
    AuditEvent.Builder b =
        base(EventType.RESULT_DELETED, r).detail("state", r.state().name()).detail("by", by.term());
    if (!r.note().isEmpty()) {
      b.detail("reason", r.note());
    }
    Instant at = r.deletedAt().orElseGet(clock::instant);
    r.deleteBy()
        .ifPresent(
            deadline ->
                b.detail("deleteBy", deadline.toString())
                    .detail("lateSeconds", Duration.between(deadline, at).toSeconds()));
    return b.build();
  }

  private AuditEvent.Builder base(EventType type, ResultRecord r) {
    return AuditEvent.builder(type)
        .time(clock.instant())
        .actor(self)
        .traceId(r.traceId())
        .sessionId(r.sessionId())
        .agreementId(r.agreementId())
        .detail("result", r.id())
        .detail("file", r.output().fileName());
  }
}
