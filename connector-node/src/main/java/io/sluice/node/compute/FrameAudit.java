package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.audit.EventType;
import io.sluice.compute.runtime.FrameObserver;
import io.sluice.compute.runtime.FrameVocabulary;
import io.sluice.compute.runtime.WireFrame;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every frame of a computation sent or received to the audit log: the stream (session id and
 * direction, the same on both nodes), the frame's sequence number, its rows and bytes, and SHA-256
 * of the bytes exactly as they crossed the wire — so a trace can pair each side's entries.
 *
 * <p>It fails closed: an entry that cannot be stored stops the session ({@link #onFailure}) with
 * {@code AUDIT_APPEND_FAILED}. Frame entries are queued without waiting (the data path must not
 * wait for the store); {@link #settle()} waits until every entry so far is stored and fails if one
 * was not, and {@link #durable} stores one entry before the session goes on.
 */
final class FrameAudit implements FrameObserver {
  private static final Logger LOG = LoggerFactory.getLogger(FrameAudit.class);

  /** How long a session waits for the audit log to store what must be durable. */
  static final Duration DURABLE_WAIT = Duration.ofSeconds(30);

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
  private final AtomicReference<SluiceException> failure = new AtomicReference<>();
  private volatile Consumer<SluiceException> onFailure = e -> {};
  private volatile FrameVocabulary frames;

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

  /** The admitted kind's frames, which name the frame entries. */
  void frames(FrameVocabulary vocabulary) {
    this.frames = vocabulary;
  }

  @Override
  public void sent(String to, WireFrame frame, byte[] bytes) {
    append(frameEvent(EventType.FRAME_SENT, outboundStream, frame, bytes));
  }

  @Override
  public void received(String from, WireFrame frame, byte[] bytes) {
    append(frameEvent(EventType.FRAME_RECEIVED, inboundStream, frame, bytes));
  }

  private AuditEvent frameEvent(EventType type, String stream, WireFrame frame, byte[] bytes) {
    FrameVocabulary vocabulary = frames;
    return event(type)
        .frame(
            stream,
            frame.sequence(),
            vocabulary.dataRows(frame),
            bytes.length,
            AuditEvent.sha256(ByteBuffer.wrap(bytes)))
        .detail("frameType", vocabulary.name(frame.type()))
        .build();
  }

  String peer() {
    return peer;
  }

  String traceId() {
    return traceId;
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

  /** Queues an event; if it cannot be stored, the session is stopped (see {@link #onFailure}). */
  void append(AuditEvent event) {
    CompletableFuture<Long> stored;
    try {
      stored = log.append(event);
    } catch (RuntimeException e) {
      throw failed(e);
    }
    stored.whenComplete(
        (sequence, error) -> {
          if (error != null) {
            failed(error);
          }
        });
  }

  /**
   * Appends an event and waits until it is stored: what must be in the log before the session goes
   * on (a start, a result's release).
   *
   * @throws SluiceException AUDIT_APPEND_FAILED if it (or an entry before it) was not stored
   */
  void durable(AuditEvent event) {
    CompletableFuture<Long> stored;
    try {
      stored = log.append(event);
    } catch (RuntimeException e) {
      throw failed(e);
    }
    await(stored);
    check();
  }

  /**
   * Waits until every entry appended so far is stored.
   *
   * @throws SluiceException AUDIT_APPEND_FAILED if one of them was not
   */
  void settle() {
    CompletableFuture<Void> flushed;
    try {
      flushed = log.flush();
    } catch (RuntimeException e) {
      throw failed(e);
    }
    await(flushed);
    check();
  }

  private void await(CompletableFuture<?> stored) {
    try {
      stored.get(DURABLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failed(e.getCause());
    } catch (TimeoutException e) {
      throw failed(new SluiceException(ErrorCode.UNAVAILABLE, "no answer in " + DURABLE_WAIT));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(new SluiceException(ErrorCode.UNAVAILABLE, "interrupted"));
    }
  }

  /** Throws the audit failure, if an entry of this session could not be stored. */
  void check() {
    SluiceException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  Optional<SluiceException> failure() {
    return Optional.ofNullable(failure.get());
  }

  /** Who is told, once, when an entry cannot be stored (the session's stop). */
  void onFailure(Consumer<SluiceException> handler) {
    onFailure = handler;
    SluiceException e = failure.get();
    if (e != null) {
      handler.accept(e);
    }
  }

  /**
   * Records the first failure. The handler runs on another thread: this may be the audit writer's,
   * which must not wait for a session's stream.
   */
  private SluiceException failed(Throwable cause) {
    String why =
        cause instanceof SluiceException s ? s.getMessage() : cause.getClass().getSimpleName();
    SluiceException e =
        new SluiceException(
            ErrorCode.AUDIT_APPEND_FAILED,
            "the computation stopped: this node's audit log could not record it (" + why + ")",
            cause);
    if (failure.compareAndSet(null, e)) {
      LOG.error("session {}: {}", sessionId, e.getMessage());
      Consumer<SluiceException> handler = onFailure;
      ForkJoinPool.commonPool().execute(() -> handler.accept(e));
    }
    return failure.get();
  }

  /**
   * Records how a computation ended in error: refused before any data moved, or failed after; a
   * refusal by policy is also recorded as a policy denial. Best effort: when the log itself failed,
   * there is nothing left to record it in, and the node's log says so.
   */
  void ended(SluiceException e, boolean started) {
    String reason = ComputeContext.shortReason(e);
    try {
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
    } catch (SluiceException auditFailed) {
      LOG.warn(
          "session {} ended ({}) but its end could not be audited: {}",
          sessionId,
          e.code(),
          auditFailed.getMessage());
    }
  }
}
