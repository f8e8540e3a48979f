package io.sluice.node.compute;

import io.grpc.stub.StreamObserver;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.compute.runtime.RuntimeSession;
import io.sluice.compute.runtime.SessionKey;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.grpc.Caller;
import io.sluice.node.grpc.TraceIds;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.NoticeAck;
import io.sluice.proto.v1.UseNotice;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice.v1.ComputeService/Open} on the node a peer asks: for every kind, the stream's first
 * message names the computation ({@link ComputationStart}); the kind's {@link Responder} judges it
 * against this node's own terms before anything is read; the runtime reserves the use, opens the
 * session's allocator and deadline; the kind runs its protocol; the release is on record; the
 * notice of use (an inform duty) and the audit heads are exchanged; the session closes. Every
 * refusal reaches the initiator as a typed status with the reason and is audited here.
 */
public final class ComputeResponder extends ComputeServiceGrpc.ComputeServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ComputeResponder.class);

  /** How long an initiator has for its notice of use once the protocol has ended. */
  static final Duration NOTICE_TIMEOUT = Duration.ofSeconds(30);

  private final ComputeContext context;
  private final NodeKinds kinds;

  ComputeResponder(ComputeContext context, NodeKinds kinds) {
    this.context = context;
    this.kinds = kinds;
  }

  @Override
  public StreamObserver<ComputeMessage> open(StreamObserver<ComputeMessage> responses) {
    PeerIdentity caller = Caller.current();
    String traceId = TraceIds.current();
    GrpcPeerChannel channel =
        GrpcPeerChannel.server(responses, context.maxFrameBytes(), caller.participant());
    SessionStop stop = new SessionStop(channel::fail);
    try {
      context.sessions().start(stop, () -> serve(caller, traceId, channel, stop));
    } catch (RejectedExecutionException e) {
      SluiceException busy =
          context.sessions().stopping()
              ? new SluiceException(ErrorCode.NODE_STOPPING, "the provider is shutting down")
              : new SluiceException(
                  ErrorCode.RESOURCE_EXHAUSTED,
                  "the provider runs as many computations as it allows; try again later");
      log.info("refused a computation from {}: {}", caller.participant(), busy.getMessage());
      refusedBeforeStart(caller, traceId, busy);
      channel.fail(busy);
    }
    return channel.inbound();
  }

  /** The stream's start, the kind it names and the session it is. */
  private record Opened(ComputationStart start, NodeKind kind, SessionKey key) {}

  private void serve(
      PeerIdentity caller, String traceId, GrpcPeerChannel channel, SessionStop stop) {
    FrameAudit audit = null;
    boolean started = false;
    RuntimeSession session = null;
    Responder.Admission admission = null;
    try {
      Opened opened;
      try {
        opened = receiveStart(channel);
      } catch (SluiceException e) {
        refusedBeforeStart(caller, traceId, stop.cause(e));
        throw e;
      }
      Responder responder = opened.kind().responder();
      audit =
          new FrameAudit(
              context.audit(),
              context.clock(),
              context.self(),
              caller.participant(),
              traceId,
              opened.key().sessionId(),
              opened.key().termsId(),
              false);
      audit.onFailure(stop::stop);
      AuditEvent.Builder requested = audit.event(EventType.COMPUTATION_REQUESTED);
      responder.describe(opened.start(), requested);
      audit.append(requested.build());
      admission = responder.admit(opened.start(), caller);
      stop.checkNotStopped();
      session = context.runtime().open(opened.key(), admission.maxUses());
      session.onStop(stop::stop);
      channel.sendControl(
          ComputeMessage.newBuilder().setAccepted(admission.accept(session)).build());
      channel.frames(opened.kind().frames());
      audit.frames(opened.kind().frames());
      channel.openWindow();
      channel.listener(audit);
      audit.durable(
          audit
              .event(EventType.COMPUTATION_STARTED)
              .detail("mode", opened.key().kind())
              .detail("use", session.reservation().useNumber())
              .build());
      started = true;
      run(session, admission, channel, audit, stop);
      channel.close();
    } catch (SluiceException e) {
      SluiceException end = stop.cause(e);
      if (started) {
        log.warn(
            "computation with {} failed (session {}, trace {}): {}",
            caller.participant(),
            session == null ? "-" : session.key().sessionId(),
            traceId,
            end.getMessage());
      } else {
        log.info(
            "refused a computation from {} (trace {}): {}",
            caller.participant(),
            traceId,
            end.getMessage());
      }
      if (audit != null) {
        audit.ended(end, started);
      }
      channel.fail(end);
    } catch (RuntimeException | Error e) {
      log.error("computation with {} failed", caller.participant(), e);
      SluiceException internal = new SluiceException(ErrorCode.INTERNAL, "internal error", e);
      if (audit != null) {
        audit.ended(stop.cause(internal), started);
      }
      channel.fail(internal);
      if (e instanceof Error error) {
        throw error;
      }
    } finally {
      if (session != null) {
        closeQuietly(session);
        if (!session.spent() && admission != null) {
          // The use came back: nothing left this node, so there is no use to be notified of.
          admission.pendingNotice().ifPresent(context.duties()::clear);
        }
      }
      // Whatever happened, the call ends here: a no-op when it already closed or failed.
      channel.fail(new SluiceException(ErrorCode.INTERNAL, "internal error"));
    }
  }

  private static void closeQuietly(RuntimeSession session) {
    try {
      session.close();
    } catch (RuntimeException e) {
      log.error("session {} did not close cleanly", session.key().sessionId(), e);
    }
  }

  /**
   * One admitted session on this node: the protocol, the release on record, then the notice of use.
   * Until a valid notice arrives, the agreement's inform duty stands as violated in the ledger
   * (recorded with the use), so an initiator that leaves any other way — aborting, staying silent,
   * sending a malformed or false notice — has violated it.
   */
  private void run(
      RuntimeSession session,
      Responder.Admission admission,
      GrpcPeerChannel channel,
      FrameAudit audit,
      SessionStop stop) {
    Responder.Outcome outcome =
        admission.run(session, session.spending(channel.protocolView(), channel.frames()), stop);
    stop.partyDone();
    audit.settle(); // every frame is on record before the outcome is
    session.release(
        new io.sluice.compute.runtime.ReleaseStep<Void>() {
          @Override
          public void record() {
            AuditEvent.Builder event =
                audit.event(
                    outcome.released() ? EventType.RESULT_RELEASED : EventType.RESULT_WITHHELD);
            outcome.details().accept(event);
            audit.durable(event.build());
          }

          @Override
          public Void output() {
            return null; // what the initiator learns went over the stream with the frames
          }
        });
    if (admission.pendingNotice().isPresent()) {
      awaitNotice(outcome.released(), admission.pendingNotice().get(), channel, audit);
    }
    String peerHead = context.exchangeHeads(false, channel, audit.peer(), audit.traceId());
    audit.append(
        audit
            .event(EventType.COMPUTATION_FINISHED)
            .detail("bytesSent", channel.bytesSent())
            .detail("bytesReceived", channel.bytesReceived())
            .detail("peerHead", peerHead)
            .build());
    audit.settle();
  }

  /**
   * The inform duty: the initiator's notice of this use must arrive within {@link #NOTICE_TIMEOUT}
   * and agree with what the protocol showed (its outcome, a use number); then the pending violation
   * is cleared, the notice audited and acknowledged. Anything else leaves the violation standing.
   */
  private void awaitNotice(
      boolean released, String pending, GrpcPeerChannel channel, FrameAudit audit) {
    ComputeMessage m = channel.receiveControl(NOTICE_TIMEOUT);
    if (!m.hasNotice()) {
      throw new SluiceException(ErrorCode.PROTOCOL_VIOLATION, "expected the notice of use");
    }
    UseNotice notice = m.getNotice();
    String expected = released ? "released" : "withheld";
    if (notice.getUse() < 1 || !notice.getOutcome().equals(expected)) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "the notice of use does not match the session");
    }
    Instant deleteBy =
        notice.getDeleteByMs() > 0 ? Instant.ofEpochMilli(notice.getDeleteByMs()) : null;
    var event =
        audit
            .event(EventType.USE_NOTICE_RECEIVED)
            .detail("use", notice.getUse())
            .detail("outcome", expected);
    if (deleteBy != null) {
      event.detail("deleteBy", deleteBy.toString());
    }
    audit.durable(event.build()); // on record before the violation is cleared
    context.duties().clear(pending);
    channel.sendControl(
        ComputeMessage.newBuilder().setNoticeAck(NoticeAck.getDefaultInstance()).build());
  }

  /** A refusal before the stream named a well-formed computation: audited without its ids. */
  private void refusedBeforeStart(PeerIdentity caller, String traceId, SluiceException e) {
    try {
      context
          .audit()
          .append(
              AuditEvent.builder(EventType.COMPUTATION_REFUSED)
                  .time(context.clock().instant())
                  .traceId(traceId)
                  .actor(context.self())
                  .counterparty(caller.participant())
                  .detail("code", e.code().name())
                  .detail("reason", ComputeContext.shortReason(e))
                  .build());
    } catch (RuntimeException auditFailed) {
      log.warn("could not audit a refused computation stream: {}", auditFailed.getMessage());
    }
  }

  /** The first message: it must come soon and name a well-formed computation of a known kind. */
  private Opened receiveStart(GrpcPeerChannel channel) {
    ComputeMessage first = channel.receiveControl(context.startTimeout());
    if (!first.hasOpen()) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "a computation starts with its parameters");
    }
    ComputationStart start = first.getOpen();
    NodeKind kind = kinds.of(start);
    SessionKey key = kind.responder().key(start);
    return new Opened(start, kind, key);
  }
}
