package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.audit.EventType;
import io.sluice.psi.Frame;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Locale;

/**
 * Writes every PSI frame sent or received to the audit log: the stream (session id and direction,
 * the same on both nodes), the frame's sequence number, its rows and bytes, and SHA-256 of the
 * bytes exactly as they crossed the wire — so a trace can pair each side's entries.
 */
final class FrameAudit implements GrpcPsiChannel.FrameListener {
  /** Streams are named by session and direction, e.g. {@code <session>/receiver-to-sender}. */
  static final String TO_SENDER = "receiver-to-sender";

  static final String TO_RECEIVER = "sender-to-receiver";

  private final AuditLog log;
  private final Clock clock;
  private final String self;
  private final String peer;
  private final String traceId;
  private final String sessionId;
  private final String agreementId;
  private final String outboundStream;
  private final String inboundStream;

  FrameAudit(
      AuditLog log,
      Clock clock,
      String self,
      String peer,
      String traceId,
      String sessionId,
      String agreementId,
      boolean receiver) {
    this.log = log;
    this.clock = clock;
    this.self = self;
    this.peer = peer;
    this.traceId = traceId;
    this.sessionId = sessionId;
    this.agreementId = agreementId;
    this.outboundStream = sessionId + "/" + (receiver ? TO_SENDER : TO_RECEIVER);
    this.inboundStream = sessionId + "/" + (receiver ? TO_RECEIVER : TO_SENDER);
  }

  @Override
  public void sent(Frame frame, byte[] bytes) {
    log.append(frameEvent(EventType.FRAME_SENT, outboundStream, frame, bytes));
  }

  @Override
  public void received(Frame frame, byte[] bytes) {
    log.append(frameEvent(EventType.FRAME_RECEIVED, inboundStream, frame, bytes));
  }

  private AuditEvent frameEvent(EventType type, String stream, Frame frame, byte[] bytes) {
    return event(type)
        .frame(
            stream,
            frame.sequence(),
            frame.dataRows(),
            bytes.length,
            AuditEvent.sha256(ByteBuffer.wrap(bytes)))
        .detail("frameType", frame.type().name().toLowerCase(Locale.ROOT))
        .build();
  }

  /** An event of this session, for the computation's other entries. */
  AuditEvent.Builder event(EventType type) {
    return AuditEvent.builder(type)
        .time(clock.instant())
        .traceId(traceId)
        .sessionId(sessionId)
        .actor(self)
        .counterparty(peer)
        .agreementId(agreementId);
  }

  /**
   * Records how a computation ended in error: refused before any data moved, or failed after; a
   * refusal by policy is also recorded as a policy denial.
   */
  void ended(io.sluice.error.SluiceException e, boolean started) {
    String reason = ComputeContext.shortReason(e);
    append(
        event(started ? EventType.COMPUTATION_FAILED : EventType.COMPUTATION_REFUSED)
            .detail("code", e.code().name())
            .detail("reason", reason)
            .build());
    if (e.category() == io.sluice.error.ErrorCategory.POLICY_DENIED) {
      append(
          event(EventType.POLICY_DENIED)
              .detail("code", e.code().name())
              .detail("reason", reason)
              .build());
    }
  }

  void append(AuditEvent event) {
    log.append(event);
  }
}
