package io.sluice.node.compute;

import io.grpc.ClientInterceptors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.compute.runtime.RuntimeSession;
import io.sluice.compute.runtime.SessionKey;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.Caller;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.node.grpc.TraceIds;
import io.sluice.proto.v1.ComputationAccept;
import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.PreparePsiRequest;
import io.sluice.proto.v1.PreparePsiResponse;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunSummary;
import io.sluice.proto.v1.RunUpdate;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice.v1.ComputeControlService} for the node's own operator: {@code Run} runs a
 * computation of any registered kind as its initiator — the kind's local checks first, then the use
 * reserved in the runtime (once per session id: a retry with the same id counts nothing again),
 * then the stream to the peer, the protocol, the release, the audit heads — and streams progress
 * and a summary; {@code PreparePsi} builds a provider's labelled-PSI table ahead of time.
 */
public final class ComputeInitiator
    extends ComputeControlServiceGrpc.ComputeControlServiceImplBase {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ComputeInitiator.class);

  /** How long the peer has to accept a computation (a psi-label table may be built first). */
  static final Duration ACCEPT_TIMEOUT = Duration.ofMinutes(10);

  private static final java.util.regex.Pattern SESSION_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private final ComputeContext context;
  private final NodeKinds kinds;
  private final PsiTables tables;

  ComputeInitiator(ComputeContext context, NodeKinds kinds) {
    this.context = context;
    this.kinds = kinds;
    this.tables = new PsiTables(context);
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(context.self())) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + context.self() + " itself may run its computations");
    }
  }

  @Override
  public void run(RunRequest request, StreamObserver<RunUpdate> updates) {
    requireSelf();
    long t0 = System.nanoTime();
    String sessionId =
        request.getSessionId().isEmpty() ? UUID.randomUUID().toString() : request.getSessionId();
    if (!SESSION_ID.matcher(sessionId).matches()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "a session id is 1 to 64 letters, digits, '.', '_', ':' or '-'");
    }
    NodeKind kind = kinds.of(request);
    Initiator.Plan plan = kind.initiator().plan(request);
    SessionKey key = new SessionKey(plan.termsId(), sessionId, kind.policyName());
    String traceId = UUID.randomUUID().toString();
    FrameAudit audit =
        new FrameAudit(
            context.audit(),
            context.clock(),
            context.self(),
            plan.peer(),
            traceId,
            sessionId,
            plan.termsId(),
            true);
    AuditEvent.Builder requested = audit.event(EventType.COMPUTATION_REQUESTED);
    plan.describe(requested);
    audit.append(requested.build());
    RuntimeSession session;
    try {
      session = context.runtime().open(key, plan.judge(sessionId));
    } catch (SluiceException e) {
      audit.ended(e, false);
      throw e;
    }
    ServerCallStreamObserver<RunUpdate> out = (ServerCallStreamObserver<RunUpdate>) updates;
    Session running;
    try {
      running = new Session(kind, plan, session, traceId, audit, out, t0);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
    try {
      context.sessions().start(running.stop, running::run);
    } catch (RejectedExecutionException e) {
      SluiceException busy =
          context.sessions().stopping()
              ? new SluiceException(ErrorCode.NODE_STOPPING, "this node is shutting down")
              : new SluiceException(
                  ErrorCode.RESOURCE_EXHAUSTED, "this node runs as many computations as it allows");
      audit.ended(busy, false);
      session.close();
      throw busy;
    }
  }

  /** One admitted run: the stream to the peer, the protocol, the release. */
  private final class Session {
    private final NodeKind kind;
    private final Initiator.Plan plan;
    private final RuntimeSession session;
    private final String traceId;
    private final FrameAudit audit;
    private final ServerCallStreamObserver<RunUpdate> out;
    private final long t0;
    private final GrpcPeerChannel channel;
    private final SessionStop stop;

    Session(
        NodeKind kind,
        Initiator.Plan plan,
        RuntimeSession session,
        String traceId,
        FrameAudit audit,
        ServerCallStreamObserver<RunUpdate> out,
        long t0) {
      this.kind = kind;
      this.plan = plan;
      this.session = session;
      this.traceId = traceId;
      this.audit = audit;
      this.out = out;
      this.t0 = t0;
      this.channel = GrpcPeerChannel.client(context.maxFrameBytes(), plan.peer());
      this.channel.frames(kind.frames());
      this.stop = new SessionStop(channel::fail);
      audit.frames(kind.frames());
      audit.onFailure(stop::stop);
      session.onStop(stop::stop);
      // gRPC delivers a call's cancellation on the call's thread: the session runs elsewhere.
      out.setOnCancelHandler(
          () ->
              stop.stop(
                  new SluiceException(
                      ErrorCode.CANCELLED, "the caller cancelled the computation")));
    }

    void run() {
      boolean started = false;
      try {
        stop.checkNotStopped();
        connect();
        channel.sendControl(ComputeMessage.newBuilder().setOpen(plan.start(session)).build());
        plan.accepted(accepted());
        channel.listener(audit);
        audit.durable(
            audit
                .event(EventType.COMPUTATION_STARTED)
                .detail("mode", kind.policyName())
                .detail("use", session.reservation().useNumber())
                .build());
        started = true;
        Initiator.Running running =
            new Initiator.Running(
                session,
                session.spending(channel.protocolView(), kind.frames()),
                channel,
                audit,
                stop,
                traceId,
                t0,
                new Initiator.TransferCounts() {
                  @Override
                  public long sent() {
                    return channel.bytesSent();
                  }

                  @Override
                  public long received() {
                    return channel.bytesReceived();
                  }
                });
        RunSummary summary = plan.run(running, this::send);
        String peerHead = context.exchangeHeads(true, channel, plan.peer(), traceId);
        audit.append(
            audit
                .event(EventType.COMPUTATION_FINISHED)
                .detail("bytesSent", channel.bytesSent())
                .detail("bytesReceived", channel.bytesReceived())
                .detail("peerHead", peerHead)
                .build());
        audit.settle();
        channel.close();
        send(RunUpdate.newBuilder().setSummary(summary).build());
        closeQuietly(); // before the caller hears the end: nothing of the session outlives it
        out.onCompleted();
      } catch (SluiceException e) {
        SluiceException end = stop.cause(e);
        if (started) {
          log.warn(
              "computation with {} failed (session {}, trace {}): {}",
              plan.peer(),
              session.key().sessionId(),
              traceId,
              end.getMessage());
        } else {
          log.info(
              "computation with {} did not start (session {}, trace {}): {}",
              plan.peer(),
              session.key().sessionId(),
              traceId,
              end.getMessage());
        }
        audit.ended(end, started);
        channel.close();
        closeQuietly();
        out.onError(StatusMapping.toStatus(end));
      } catch (RuntimeException e) {
        log.error(
            "computation with {} failed (session {}, trace {})",
            plan.peer(),
            session.key().sessionId(),
            traceId,
            e);
        SluiceException internal = new SluiceException(ErrorCode.INTERNAL, "internal error", e);
        audit.ended(stop.cause(internal), started);
        channel.close();
        closeQuietly();
        out.onError(StatusMapping.toStatus(internal));
      } finally {
        // also when an Error or a failing audit skipped the above (closing twice is harmless)
        closeQuietly();
      }
    }

    private void closeQuietly() {
      try {
        session.close();
      } catch (RuntimeException e) {
        log.error("session {} did not close cleanly", session.key().sessionId(), e);
      }
    }

    private synchronized void send(RunUpdate update) {
      if (!out.isCancelled()) {
        out.onNext(update);
      }
    }

    private void connect() {
      ComputeServiceGrpc.newStub(
              ClientInterceptors.intercept(
                  context.peers().channel(plan.peer()), TraceIds.clientInterceptor(traceId)))
          .withDeadlineAfter(context.sessionDeadline().toMillis(), TimeUnit.MILLISECONDS)
          .open(channel.responseObserver());
    }

    private ComputationAccept accepted() {
      ComputeMessage answer = channel.receiveControl(ACCEPT_TIMEOUT);
      if (!answer.hasAccepted()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION, plan.peer() + " did not accept the computation");
      }
      return answer.getAccepted();
    }
  }

  @Override
  public void preparePsi(PreparePsiRequest request, StreamObserver<PreparePsiResponse> response) {
    requireSelf();
    response.onNext(tables.prepare(request));
    response.onCompleted();
  }
}
