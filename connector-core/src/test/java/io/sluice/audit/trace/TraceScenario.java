package io.sluice.audit.trace;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds the audit logs that nodes keep for one trace, with the real {@link AuditEvent} builder and
 * the logging conventions of docs/audit-trace.md: each exchange is logged by the sender, then (a
 * moment later) by the receiver, unless a test leaves one side out or changes it.
 */
final class TraceScenario {
  static final String FUND = "sluice://health/fund";
  static final String INSURER = "sluice://health/insurer";
  static final String REGISTRY = "sluice://health/registry";
  static final Instant START = Instant.parse("2025-03-01T10:15:30Z");

  final String traceId;
  final String agreementId;
  private final Map<String, Log> logs = new LinkedHashMap<>();
  private Instant now = START;

  TraceScenario(String traceId, String agreementId) {
    this.traceId = traceId;
    this.agreementId = agreementId;
  }

  /** One node's log. */
  final class Log {
    final String participant;
    final List<AuditEntry> entries = new ArrayList<>();

    private Log(String participant) {
      this.participant = participant;
    }

    AuditEvent.Builder event(EventType type) {
      return AuditEvent.builder(type)
          .time(now)
          .traceId(traceId)
          .sessionId(traceId + "-session")
          .actor(participant)
          .agreementId(agreementId);
    }

    Log append(AuditEvent event) {
      entries.add(new AuditEntry(entries.size(), event));
      tick(Duration.ofMillis(3));
      return this;
    }

    Log local(EventType type, UnaryOperator<AuditEvent.Builder> details) {
      return append(details.apply(event(type)).build());
    }

    Log frame(EventType type, String peer, String stream, long frame, long rows, long bytes) {
      return frame(type, peer, stream, frame, rows, bytes, digest(stream, frame));
    }

    Log frame(
        EventType type,
        String peer,
        String stream,
        long frame,
        long rows,
        long bytes,
        byte[] digest) {
      return append(
          event(type).counterparty(peer).frame(stream, frame, rows, bytes, digest).build());
    }

    Log message(EventType type, String peer, String message, String kind) {
      return append(
          event(type).counterparty(peer).detail("message", message).detail("kind", kind).build());
    }

    NodeTrace verified() {
      return NodeTrace.verified(participant, entries);
    }
  }

  Log node(String participant) {
    return logs.computeIfAbsent(participant, Log::new);
  }

  void tick(Duration d) {
    now = now.plus(d);
  }

  /** Both sides log a negotiation message. */
  void message(Log from, Log to, String message, String kind) {
    from.message(EventType.NEGOTIATION_SENT, to.participant, message, kind);
    to.message(EventType.NEGOTIATION_RECEIVED, from.participant, message, kind);
  }

  /** Both sides log one frame. */
  void frame(Log from, Log to, String stream, long frame, long rows, long bytes) {
    from.frame(EventType.FRAME_SENT, to.participant, stream, frame, rows, bytes);
    to.frame(EventType.FRAME_RECEIVED, from.participant, stream, frame, rows, bytes);
  }

  /** Both sides log frames 0 to {@code count - 1} of a stream. */
  void frames(Log from, Log to, String stream, int count, long rows, long bytes) {
    for (int i = 0; i < count; i++) {
      frame(from, to, stream, i, rows, bytes);
    }
  }

  /** Every node's log, verified. */
  List<NodeTrace> nodes() {
    return logs.values().stream().map(Log::verified).toList();
  }

  TraceReport analyze() {
    return TraceAnalysis.analyze(traceId, nodes());
  }

  /** Only these nodes' logs, verified. */
  TraceReport analyze(String... participants) {
    List<NodeTrace> nodes = new ArrayList<>();
    for (String participant : participants) {
      nodes.add(logs.get(participant).verified());
    }
    return TraceAnalysis.analyze(traceId, nodes);
  }

  /** The SHA-256 of a made-up frame: distinct for every (stream, frame). */
  static byte[] digest(String stream, long frame) {
    return AuditEvent.sha256(
        ByteBuffer.wrap((stream + "#" + frame).getBytes(StandardCharsets.UTF_8)));
  }
}
