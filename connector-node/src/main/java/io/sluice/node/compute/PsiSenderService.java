package io.sluice.node.compute;

import io.grpc.stub.StreamObserver;
import io.sluice.audit.EventType;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.KeyBinding;
import io.sluice.compute.PsiDuties;
import io.sluice.compute.RowStream;
import io.sluice.compute.SenderTables;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.node.grpc.Caller;
import io.sluice.node.grpc.TraceIds;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.NoticeAck;
import io.sluice.proto.v1.PsiAccept;
import io.sluice.proto.v1.PsiStart;
import io.sluice.proto.v1.UseNotice;
import io.sluice.psi.EcdhPsiSender;
import io.sluice.psi.LabelPsiSender;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiOutcome;
import io.sluice.psi.PsiProgress;
import io.sluice.psi.PsiSenderResult;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice.v1.ComputeService/Psi} on the data provider's node: the receiver's node opens the
 * stream; this node decides on its own, from its own store, whether the computation may run — the
 * agreement, its consumer, the mode, the key columns, the revealed columns, the number of keys —
 * before it reads its dataset, and then runs the sender's side. Every refusal reaches the receiver
 * as a typed status with the reason and is audited here.
 */
public final class PsiSenderService extends ComputeServiceGrpc.ComputeServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(PsiSenderService.class);
  private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern AGREEMENT = Pattern.compile("[A-Za-z0-9._:-]{1,120}");

  /** How long a receiver has for its notice of use once the protocol has ended. */
  static final Duration NOTICE_TIMEOUT = Duration.ofSeconds(30);

  /** The longest the provider waits for any one frame of an admitted session. */
  static final Duration RECEIVE_TIMEOUT = Duration.ofMinutes(2);

  private final ComputeContext context;

  public PsiSenderService(ComputeContext context) {
    this.context = context;
  }

  @Override
  public StreamObserver<ComputeMessage> psi(StreamObserver<ComputeMessage> responses) {
    PeerIdentity caller = Caller.current();
    String traceId = TraceIds.current();
    GrpcPsiChannel channel =
        GrpcPsiChannel.server(responses, context.maxFrameBytes(), caller.participant());
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
      log.info("refused a PSI session from {}: {}", caller.participant(), busy.getMessage());
      refusedBeforeStart(caller, traceId, busy);
      channel.fail(busy);
    }
    return channel.inbound();
  }

  /**
   * A session the guard admitted, with everything it runs with.
   *
   * @param pendingNotice the ledger entry that stands as the inform duty's violation until the
   *     notice of this use arrives; null without an inform duty
   */
  private record Admitted(
      NegotiationStore.StoredAgreement agreement,
      ComputeGuard.Permit permit,
      PsiMode mode,
      DatasetEntry dataset,
      KeyExtractor keys,
      PsiConfig config,
      SenderTables.Prepared table,
      String pendingNotice) {}

  private void serve(
      PeerIdentity caller, String traceId, GrpcPsiChannel channel, SessionStop stop) {
    FrameAudit audit = null;
    boolean started = false;
    try {
      PsiStart start;
      try {
        start = receiveStart(channel);
      } catch (SluiceException e) {
        refusedBeforeStart(caller, traceId, stop.cause(e));
        throw e;
      }
      PsiMode mode = ComputeContext.mode(start.getMode());
      audit =
          new FrameAudit(
              context.audit(),
              context.clock(),
              context.self(),
              caller.participant(),
              traceId,
              start.getSessionId(),
              start.getAgreementId(),
              false);
      audit.onFailure(stop::stop);
      audit.append(
          audit
              .event(EventType.COMPUTATION_REQUESTED)
              .detail("mode", mode.policyName())
              .detail("receiverKeys", start.getReceiverRows())
              .build());
      Admitted session = admit(start, mode, caller);
      Session running = new Session(session, channel, audit, stop);
      channel.sendControl(ComputeMessage.newBuilder().setAccept(accept(session)).build());
      channel.openWindow();
      channel.listener(audit);
      audit.durable(
          audit
              .event(EventType.COMPUTATION_STARTED)
              .detail("mode", mode.policyName())
              .detail("use", session.permit().useNumber())
              .build());
      started = true;
      running.run();
      channel.close();
    } catch (SluiceException e) {
      SluiceException end = stop.cause(e);
      log.info("PSI session with {} ended: {}", caller.participant(), end.getMessage());
      if (audit != null) {
        audit.ended(end, started);
      }
      channel.fail(end);
    } catch (RuntimeException | Error e) {
      log.error("PSI session with {} failed", caller.participant(), e);
      SluiceException internal = new SluiceException(ErrorCode.INTERNAL, "internal error", e);
      if (audit != null) {
        audit.ended(stop.cause(internal), started);
      }
      channel.fail(internal);
      if (e instanceof Error error) {
        throw error;
      }
    } finally {
      // Whatever happened, the call ends here: a no-op when it already closed or failed.
      channel.fail(new SluiceException(ErrorCode.INTERNAL, "internal error"));
    }
  }

  /** A refusal before the stream named a well-formed computation: audited without its ids. */
  private void refusedBeforeStart(PeerIdentity caller, String traceId, SluiceException e) {
    try {
      context
          .audit()
          .append(
              io.sluice.audit.AuditEvent.builder(EventType.COMPUTATION_REFUSED)
                  .time(context.clock().instant())
                  .traceId(traceId)
                  .actor(context.self())
                  .counterparty(caller.participant())
                  .detail("code", e.code().name())
                  .detail("reason", ComputeContext.shortReason(e))
                  .build());
    } catch (RuntimeException auditFailed) {
      log.warn("could not audit a refused PSI stream: {}", auditFailed.getMessage());
    }
  }

  /**
   * One admitted session on this node: the protocol, then the notice of use. Until a valid notice
   * arrives, the agreement's inform duty stands as violated in the ledger (recorded when the use
   * was spent), so a consumer that leaves any other way — aborting, staying silent, sending a
   * malformed or false notice — has violated it; a watchdog ends the session at its deadline.
   */
  private final class Session {
    private final Admitted admitted;
    private final GrpcPsiChannel channel;
    private final FrameAudit audit;
    private final SessionStop stop;

    Session(Admitted admitted, GrpcPsiChannel channel, FrameAudit audit, SessionStop stop) {
      this.admitted = admitted;
      this.channel = channel;
      this.audit = audit;
      this.stop = stop;
    }

    void run() {
      var watchdog =
          context
              .timers()
              .schedule(
                  () ->
                      stop.stop(
                          new SluiceException(
                              ErrorCode.DEADLINE_EXCEEDED, "the session ran past its deadline")),
                  context.sessionDeadline().toMillis(),
                  java.util.concurrent.TimeUnit.MILLISECONDS);
      try {
        PsiSenderResult result = protocol();
        stop.partyDone();
        audit.settle(); // every frame is on record before the outcome is
        boolean released = result.outcome() == PsiOutcome.RELEASED;
        audit.durable(
            audit
                .event(released ? EventType.RESULT_RELEASED : EventType.RESULT_WITHHELD)
                .detail("receiverKeys", result.receiverKeys())
                .detail("inputRows", result.input().rows())
                .detail("skippedRows", result.input().skippedRows())
                .detail("distinctKeys", result.input().distinctKeys())
                .build());
        if (admitted.pendingNotice() != null) {
          awaitNotice(result.outcome());
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
      } finally {
        watchdog.cancel(false);
      }
    }

    private PsiSenderResult protocol() {
      PsiConfig config = admitted.config();
      try (BufferAllocator allocator =
          context
              .allocator()
              .newChildAllocator("psi-" + config.sessionId(), 0, context.sessionMemoryLimit())) {
        if (admitted.mode() == PsiMode.LABEL) {
          LabelPsiSender sender =
              new LabelPsiSender(
                  config,
                  channel.protocolView(),
                  allocator,
                  context.workers(),
                  new SecureRandom(),
                  PsiProgress.NONE,
                  admitted.table().key(),
                  admitted.table().table());
          stop.party(sender::cancel);
          return sender.run();
        }
        try (RowStream<byte[]> rows =
            RowStream.keys(
                admitted.dataset().source(), allocator, config.batchSize(), admitted.keys())) {
          EcdhPsiSender sender =
              new EcdhPsiSender(
                  config,
                  channel.protocolView(),
                  allocator,
                  context.workers(),
                  new SecureRandom(),
                  PsiProgress.NONE);
          stop.party(sender::cancel);
          long count = DatasetProbe.probe(admitted.dataset().source(), allocator).rowCount();
          return sender.run(count, rows);
        }
      }
    }

    /**
     * The inform duty: the receiver's notice of this use must arrive within {@link #NOTICE_TIMEOUT}
     * and agree with what the protocol showed (its outcome, a use number, a deadline no later than
     * the agreement allows); then the pending violation is cleared, the notice audited and
     * acknowledged. Anything else leaves the violation standing.
     */
    private void awaitNotice(PsiOutcome outcome) {
      ComputeMessage m = channel.receiveControl(NOTICE_TIMEOUT);
      if (!m.hasNotice()) {
        throw new SluiceException(ErrorCode.PROTOCOL_VIOLATION, "expected the notice of use");
      }
      UseNotice notice = m.getNotice();
      String expected = outcome.name().toLowerCase(java.util.Locale.ROOT);
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
      context.duties().clear(admitted.pendingNotice());
      channel.sendControl(
          ComputeMessage.newBuilder().setNoticeAck(NoticeAck.getDefaultInstance()).build());
    }
  }

  /** The first message: it must come soon, name a well-formed session and parameters. */
  private PsiStart receiveStart(GrpcPsiChannel channel) {
    ComputeMessage first = channel.receiveControl(context.startTimeout());
    if (!first.hasStart()) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "a computation starts with its parameters");
    }
    PsiStart start = first.getStart();
    if (!SESSION.matcher(start.getSessionId()).matches()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed session id");
    }
    if (!AGREEMENT.matcher(start.getAgreementId()).matches()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed agreement id");
    }
    if (java.util.Arrays.stream(PsiMode.values())
        .noneMatch(m -> m.policyName().equals(start.getMode()))) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "unknown PSI mode (psi, psi-cardinality, psi-label)");
    }
    if (start.getReceiverRows() < 0 || start.getReceiverRows() > PsiConfig.MAX_ROWS) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "a session holds 0 to " + PsiConfig.MAX_ROWS + " keys per side");
    }
    ComputeContext.batchSize(start.getBatchSize());
    return start;
  }

  /**
   * Everything this node decides on its own before data moves, in an order that tells a caller
   * nothing before it is judged: our agreement with this caller and the guard's verdict on mode,
   * key columns, revealed columns and key count; then the dataset and its key columns, the
   * session's configuration and, for psi-label, the table of the current epoch and content; only
   * then is the use spent (with an inform duty, together with the violation that stands until the
   * notice of this use arrives).
   */
  private Admitted admit(PsiStart start, PsiMode mode, PeerIdentity caller) {
    NegotiationStore.StoredAgreement stored =
        context
            .store()
            .agreement(start.getAgreementId())
            .filter(a -> a.role() == Role.PROVIDER)
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.AGREEMENT_NOT_USABLE,
                        "no agreement " + start.getAgreementId() + " where we provide the data"));
    List<String> payloadColumns =
        mode == PsiMode.LABEL ? revealed(start.getPayloadColumnsList()) : List.of();
    String keyColumns = KeyBinding.canonical(start.getKeyColumns());
    ComputeGuard.Judged judged =
        context
            .guard()
            .judge(
                new ComputeGuard.Intent(
                    stored.agreementId(),
                    mode.policyName(),
                    start.getReceiverRows(),
                    new HashSet<>(payloadColumns),
                    keyColumns,
                    caller),
                PsiDuties.forProvider(context.self(), context.duties()));
    DatasetEntry dataset =
        context
            .catalog()
            .dataset(stored.datasetId())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "dataset " + stored.datasetId() + " is not served now"));
    DatasetInfo info = context.catalog().info(dataset.id()).orElseThrow();
    KeyExtractor keys = KeyBinding.provider(keyColumns, info.schema());
    EcdhPsiSender.requireMemoryFor(mode, start.getReceiverRows());
    // The expensive local step comes before the use is spent: a table that cannot be built costs
    // the consumer nothing.
    SenderTables.Prepared table =
        mode == PsiMode.LABEL
            ? context.prepare(stored.agreementId(), dataset, keyColumns, payloadColumns)
            : null;
    PsiConfig.Builder builder =
        PsiConfig.builder(mode, stored.agreementId(), start.getSessionId(), keyColumns)
            // The receiver may announce and send no more keys than were admitted just now.
            .maxReceiverRows(start.getReceiverRows())
            .maxSenderRows(PsiConfig.MAX_ROWS)
            .batchSize(ComputeContext.batchSize(start.getBatchSize()))
            .maxFrameBytes(context.maxFrameBytes())
            .receiveTimeout(RECEIVE_TIMEOUT);
    if (table != null) {
      builder.keyEpoch(table.table().keyEpoch());
    }
    builder.build(); // every session parameter checked before the use is spent
    ComputeGuard.Permit permit = context.guard().spend(judged);
    PsiConfig config = builder.minResultGroupSize(permit.minResultGroupSize()).build();
    String pending =
        permit
            .duty("inform")
            .map(
                d ->
                    context
                        .duties()
                        .record(
                            stored.agreementId(),
                            d.pointer(),
                            "use "
                                + permit.useNumber()
                                + " (session "
                                + start.getSessionId()
                                + ") was not notified",
                            context.clock().instant()))
            .orElse(null);
    return new Admitted(stored, permit, mode, dataset, keys, config, table, pending);
  }

  /**
   * The revealed columns as a canonical list: sorted, each once, at least one. Every distinct list
   * is its own table (and its own padded entry length), so the same columns in another order or
   * with repeats must not make another.
   */
  private static List<String> revealed(List<String> columns) {
    List<String> sorted = columns.stream().sorted().toList();
    if (sorted.isEmpty() || new HashSet<>(sorted).size() != sorted.size()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "psi-label reveals one or more distinct columns");
    }
    return sorted;
  }

  private static PsiAccept accept(Admitted session) {
    PsiAccept.Builder accept =
        PsiAccept.newBuilder()
            .setMinResultGroupSize(session.permit().minResultGroupSize())
            .setNoticeRequired(session.pendingNotice() != null);
    if (session.table() != null) {
      accept
          .setKeyEpoch(session.table().table().keyEpoch())
          .setPayloadSchemaJson(session.table().codec().schemaJson());
    }
    return accept.build();
  }
}
