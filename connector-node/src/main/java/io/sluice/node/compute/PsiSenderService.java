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
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.node.grpc.Caller;
import io.sluice.node.grpc.TraceIds;
import io.sluice.policy.eval.Obligation;
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
import java.util.Optional;
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

  /** How long a receiver has for its notice of use once the protocol has ended. */
  static final Duration NOTICE_TIMEOUT = Duration.ofSeconds(30);

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
    try {
      context.sessions().execute(() -> serve(caller, traceId, channel));
    } catch (RejectedExecutionException e) {
      log.info("refused a PSI session from {}: every session slot is taken", caller.participant());
      channel.fail(
          new SluiceException(
              ErrorCode.RESOURCE_EXHAUSTED,
              "the provider runs as many computations as it allows; try again later"));
    }
    return channel.inbound();
  }

  /** A session the guard admitted, with everything it runs with. */
  private record Admitted(
      NegotiationStore.StoredAgreement agreement,
      ComputeGuard.Permit permit,
      PsiMode mode,
      DatasetEntry dataset,
      DatasetInfo info,
      KeyExtractor keys,
      PsiConfig.Builder config,
      SenderTables.Prepared table) {}

  private void serve(PeerIdentity caller, String traceId, GrpcPsiChannel channel) {
    FrameAudit audit = null;
    boolean started = false;
    try {
      PsiStart start = receiveStart(channel);
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
      audit.append(
          audit
              .event(EventType.COMPUTATION_REQUESTED)
              .detail("mode", mode.policyName())
              .detail("receiverKeys", start.getReceiverRows())
              .build());
      Admitted session = admit(start, mode, caller);
      channel.sendControl(ComputeMessage.newBuilder().setAccept(accept(session)).build());
      channel.listener(audit);
      audit.append(
          audit
              .event(EventType.COMPUTATION_STARTED)
              .detail("mode", mode.policyName())
              .detail("use", session.permit().useNumber())
              .build());
      started = true;
      PsiSenderResult result = run(session, channel);
      boolean released = result.outcome() == PsiOutcome.RELEASED;
      audit.append(
          audit
              .event(released ? EventType.RESULT_RELEASED : EventType.RESULT_WITHHELD)
              .detail("receiverKeys", result.receiverKeys())
              .detail("inputRows", result.input().rows())
              .detail("skippedRows", result.input().skippedRows())
              .detail("distinctKeys", result.input().distinctKeys())
              .build());
      Optional<Obligation> inform = session.permit().duty("inform");
      if (inform.isPresent()) {
        awaitNotice(channel, audit, session, inform.get());
      }
      audit.append(
          audit
              .event(EventType.COMPUTATION_FINISHED)
              .detail("bytesSent", channel.bytesSent())
              .detail("bytesReceived", channel.bytesReceived())
              .build());
      channel.close();
    } catch (SluiceException e) {
      log.info("PSI session with {} ended: {}", caller.participant(), e.getMessage());
      if (audit != null) {
        audit.ended(e, started);
      }
      channel.fail(e);
    } catch (RuntimeException e) {
      log.error("PSI session with {} failed", caller.participant(), e);
      channel.fail(new SluiceException(ErrorCode.INTERNAL, "internal error"));
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
    if (start.getReceiverRows() < 0 || start.getReceiverRows() > PsiConfig.MAX_ROWS) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "a session holds 0 to " + PsiConfig.MAX_ROWS + " keys per side");
    }
    ComputeContext.batchSize(start.getBatchSize());
    return start;
  }

  /**
   * Everything this node decides on its own before data moves: our agreement with this caller, the
   * guard's verdict on mode, key columns, revealed columns and key count (counting the use), the
   * dataset and its key columns, and for psi-label the table of the current epoch and content.
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
    List<String> payloadColumns = mode == PsiMode.LABEL ? start.getPayloadColumnsList() : List.of();
    String keyColumns = KeyBinding.canonical(start.getKeyColumns());
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
    EcdhPsiSender.requireMemoryFor(mode, start.getReceiverRows());
    // The expensive local step comes before the use is spent: a table that cannot be built costs
    // the consumer nothing.
    SenderTables.Prepared table =
        mode == PsiMode.LABEL
            ? context.prepare(stored.agreementId(), dataset, keyColumns, payloadColumns)
            : null;
    ComputeGuard.Permit permit = context.guard().spend(judged);
    int batch = ComputeContext.batchSize(start.getBatchSize());
    PsiConfig.Builder config =
        PsiConfig.builder(mode, stored.agreementId(), start.getSessionId(), keyColumns)
            // The receiver may announce and send no more keys than were admitted just now.
            .maxReceiverRows(start.getReceiverRows())
            .maxSenderRows(PsiConfig.MAX_ROWS)
            .batchSize(batch)
            .maxFrameBytes(context.maxFrameBytes())
            .minResultGroupSize(permit.minResultGroupSize());
    if (table != null) {
      config.keyEpoch(table.table().keyEpoch());
    }
    return new Admitted(stored, permit, mode, dataset, info, keys, config, table);
  }

  private static PsiAccept accept(Admitted session) {
    PsiAccept.Builder accept =
        PsiAccept.newBuilder()
            .setMinResultGroupSize(session.permit().minResultGroupSize())
            .setNoticeRequired(session.permit().duty("inform").isPresent());
    if (session.table() != null) {
      accept
          .setKeyEpoch(session.table().table().keyEpoch())
          .setPayloadSchemaJson(session.table().codec().schemaJson());
    }
    return accept.build();
  }

  private PsiSenderResult run(Admitted session, GrpcPsiChannel channel) {
    PsiConfig config = session.config().build();
    try (BufferAllocator allocator =
        context
            .allocator()
            .newChildAllocator("psi-" + config.sessionId(), 0, context.sessionMemoryLimit())) {
      if (session.mode() == PsiMode.LABEL) {
        return new LabelPsiSender(
                config,
                channel.protocolView(),
                allocator,
                context.workers(),
                new SecureRandom(),
                PsiProgress.NONE,
                session.table().key(),
                session.table().table())
            .run();
      }
      try (RowStream<byte[]> rows =
          RowStream.keys(
              session.dataset().source(), allocator, config.batchSize(), session.keys())) {
        return new EcdhPsiSender(
                config,
                channel.protocolView(),
                allocator,
                context.workers(),
                new SecureRandom(),
                PsiProgress.NONE)
            .run(session.info().rowCount(), rows);
      }
    }
  }

  /**
   * The inform duty: the receiver's notice of this use must arrive within {@link #NOTICE_TIMEOUT};
   * it is audited and acknowledged. Without it the duty is recorded as violated, which puts the
   * agreement's permission out of force for later uses.
   */
  private void awaitNotice(
      GrpcPsiChannel channel, FrameAudit audit, Admitted session, Obligation duty) {
    UseNotice notice;
    try {
      ComputeMessage m = channel.receiveControl(NOTICE_TIMEOUT);
      if (!m.hasNotice()) {
        throw new SluiceException(ErrorCode.PROTOCOL_VIOLATION, "expected the notice of use");
      }
      notice = m.getNotice();
    } catch (SluiceException e) {
      String reason =
          "use " + session.permit().useNumber() + " was not notified: " + e.getMessage();
      context
          .duties()
          .record(
              session.agreement().agreementId(), duty.pointer(), reason, context.clock().instant());
      audit.append(
          audit
              .event(EventType.POLICY_DENIED)
              .detail("code", ErrorCode.POLICY_DENIED.name())
              .detail("reason", "inform duty violated: " + reason)
              .build());
      throw e;
    }
    var event =
        audit
            .event(EventType.USE_NOTICE_RECEIVED)
            .detail("use", notice.getUse())
            .detail("outcome", notice.getOutcome());
    if (notice.getDeleteByMs() > 0) {
      event.detail("deleteBy", Instant.ofEpochMilli(notice.getDeleteByMs()).toString());
    }
    audit.append(event.build());
    channel.sendControl(
        ComputeMessage.newBuilder().setNoticeAck(NoticeAck.getDefaultInstance()).build());
  }
}
