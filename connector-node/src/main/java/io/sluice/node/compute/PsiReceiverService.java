package io.sluice.node.compute;

import io.grpc.ClientInterceptors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.EventType;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.KeyBinding;
import io.sluice.compute.PayloadCodec;
import io.sluice.compute.PsiDuties;
import io.sluice.compute.ResultAssembler;
import io.sluice.compute.RowStream;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.DatasetSource;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.fault.FaultPoints;
import io.sluice.negotiation.Agreements;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.node.grpc.Caller;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.node.grpc.TraceIds;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.proto.v1.PreparePsiRequest;
import io.sluice.proto.v1.PreparePsiResponse;
import io.sluice.proto.v1.PsiAccept;
import io.sluice.proto.v1.PsiProgress;
import io.sluice.proto.v1.PsiStart;
import io.sluice.proto.v1.PsiSummary;
import io.sluice.proto.v1.RunPsiRequest;
import io.sluice.proto.v1.RunPsiUpdate;
import io.sluice.proto.v1.UseNotice;
import io.sluice.psi.DistinctKeys;
import io.sluice.psi.EcdhPsiReceiver;
import io.sluice.psi.LabelPsiReceiver;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiOutcome;
import io.sluice.psi.PsiReceiverResult;
import io.sluice.results.ReleaseJournal;
import io.sluice.results.ResultRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * {@code sluice.v1.ComputeControlService} for the node's own operator: runs PSI as the receiver
 * against the agreement's provider and prepares a provider's labelled-PSI table ahead of time.
 *
 * <p>A run checks everything local first (the agreement, its key columns against our input, our
 * distinct keys against its limit, its duties against what we can carry out) and only then spends a
 * use and opens the stream; it streams progress; and it releases a result in one step: the notice
 * of use if the agreement asks for one, the audit record, then the output, registered for deletion
 * when the agreement sets a retention.
 */
public final class PsiReceiverService
    extends ComputeControlServiceGrpc.ComputeControlServiceImplBase {
  /** How long the provider has to acknowledge a notice of use. */
  static final Duration NOTICE_ACK_TIMEOUT = Duration.ofSeconds(30);

  private final ComputeContext context;
  private final ConsumerResults results;

  public PsiReceiverService(ComputeContext context, ConsumerResults results) {
    this.context = context;
    this.results = results;
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(context.self())) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + context.self() + " itself may run its computations");
    }
  }

  /** What a run decided locally before spending a use. */
  private record Plan(
      NegotiationStore.StoredAgreement agreement,
      PsiMode mode,
      String keyColumns,
      DatasetSource input,
      KeyExtractor keys,
      List<String> payloadColumns,
      Optional<Path> output,
      DistinctKeys distinct,
      int batchSize) {}

  @Override
  public void runPsi(RunPsiRequest request, StreamObserver<RunPsiUpdate> updates) {
    requireSelf();
    long t0 = System.nanoTime();
    Plan plan = plan(request);
    String sessionId = UUID.randomUUID().toString();
    String traceId = UUID.randomUUID().toString();
    String provider = plan.agreement().providerId();
    FrameAudit audit =
        new FrameAudit(
            context.audit(),
            context.clock(),
            context.self(),
            provider,
            traceId,
            sessionId,
            plan.agreement().agreementId(),
            true);
    audit.append(
        audit
            .event(EventType.COMPUTATION_REQUESTED)
            .detail("mode", plan.mode().policyName())
            .detail("inputRows", plan.distinct().rows())
            .detail("skippedRows", plan.distinct().skippedRows())
            .detail("distinctKeys", plan.distinct().size())
            .build());
    ComputeGuard.Permit permit;
    try {
      permit = admit(plan);
    } catch (SluiceException e) {
      audit.ended(e, false);
      throw e;
    }
    ServerCallStreamObserver<RunPsiUpdate> out = (ServerCallStreamObserver<RunPsiUpdate>) updates;
    Session session = new Session(plan, permit, sessionId, traceId, audit, out, t0);
    try {
      context.sessions().start(session.stop, session::run);
    } catch (RejectedExecutionException e) {
      SluiceException busy =
          context.sessions().stopping()
              ? new SluiceException(ErrorCode.NODE_STOPPING, "this node is shutting down")
              : new SluiceException(
                  ErrorCode.RESOURCE_EXHAUSTED, "this node runs as many computations as it allows");
      audit.ended(busy, false);
      throw busy;
    }
  }

  /** Every local check, before a use is spent or a byte is sent. */
  private Plan plan(RunPsiRequest request) {
    NegotiationStore.StoredAgreement stored = consumerAgreement(request.getAgreementId());
    PolicyTerms terms =
        PolicyTerms.of(
            PolicyCodec.parse(
                Agreements.parse(Agreements.parseSigned(stored.signedAgreement()))
                    .getPolicy()
                    .toString(StandardCharsets.UTF_8)));
    PsiMode mode =
        ComputeContext.mode(request.getMode().isEmpty() ? onlyMode(terms) : request.getMode());
    String keyColumns = KeyBinding.choose(terms, request.getProviderKey());
    DatasetSource input = DatasetSource.file(Path.of(request.getInputPath()));
    DatasetInfo info = DatasetProbe.probe(input, context.allocator());
    KeyExtractor keys =
        KeyBinding.consumer(keyColumns, requested(request.getKeysList()), info.schema());
    List<String> payloadColumns = payloadColumns(mode, request, terms);
    Optional<Path> output =
        request.getOutputPath().isEmpty()
            ? Optional.empty()
            : Optional.of(Path.of(request.getOutputPath()));
    if (mode != PsiMode.CARDINALITY && output.isEmpty()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "an output file is required for " + mode.policyName());
    }
    output.ifPresent(results::checkOutput);
    int batch = ComputeContext.batchSize(request.getBatchSize());
    // Every session parameter is checked now, before a use is spent (the epoch comes later).
    PsiConfig.builder(mode, stored.agreementId(), "check", keyColumns)
        .keyEpoch(mode == PsiMode.LABEL ? "check" : "")
        .batchSize(batch)
        .maxFrameBytes(context.maxFrameBytes())
        .build();
    DistinctKeys distinct;
    try (BufferAllocator a =
            context.allocator().newChildAllocator("psi-input", 0, context.sessionMemoryLimit());
        RowStream<byte[]> rows = RowStream.keys(input, a, batch, keys)) {
      distinct = DistinctKeys.collect(info.rowCount(), rows, true);
    }
    return new Plan(stored, mode, keyColumns, input, keys, payloadColumns, output, distinct, batch);
  }

  private ComputeGuard.Permit admit(Plan plan) {
    return context
        .guard()
        .admit(
            new ComputeGuard.Intent(
                plan.agreement().agreementId(),
                plan.mode().policyName(),
                plan.distinct().size(),
                new HashSet<>(plan.payloadColumns()),
                plan.keyColumns(),
                context.identity()),
            PsiDuties.forConsumer(
                plan.agreement().providerId(), context.duties(), results.keeping(plan.output())));
  }

  private static List<KeyBinding.Requested> requested(List<KeyColumn> columns) {
    return columns.stream()
        .map(c -> new KeyBinding.Requested(c.getName(), c.getCaseRule()))
        .toList();
  }

  private static List<String> payloadColumns(
      PsiMode mode, RunPsiRequest request, PolicyTerms terms) {
    if (mode != PsiMode.LABEL) {
      return List.of();
    }
    if (request.getPayloadColumnsCount() > 0) {
      // The provider takes the revealed columns as a sorted set; ask for them that way.
      return request.getPayloadColumnsList().stream().distinct().sorted().toList();
    }
    return terms
        .outputColumns()
        .map(List::copyOf)
        .orElseThrow(
            () ->
                new SluiceException(
                    ErrorCode.INVALID_ARGUMENT, "name the columns to reveal (--reveal)"))
        .stream()
        .sorted()
        .toList();
  }

  /** One admitted run: the stream to the provider, the protocol, the release. */
  private final class Session {
    private final Plan plan;
    private final ComputeGuard.Permit permit;
    private final String sessionId;
    private final String traceId;
    private final FrameAudit audit;
    private final ServerCallStreamObserver<RunPsiUpdate> out;
    private final long t0;
    private final GrpcPsiChannel channel;
    private final SessionStop stop;

    Session(
        Plan plan,
        ComputeGuard.Permit permit,
        String sessionId,
        String traceId,
        FrameAudit audit,
        ServerCallStreamObserver<RunPsiUpdate> out,
        long t0) {
      this.plan = plan;
      this.permit = permit;
      this.sessionId = sessionId;
      this.traceId = traceId;
      this.audit = audit;
      this.out = out;
      this.t0 = t0;
      this.channel = GrpcPsiChannel.client(context.maxFrameBytes(), plan.agreement().providerId());
      this.stop = new SessionStop(channel::fail);
      audit.onFailure(stop::stop);
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
        stop.reason()
            .ifPresent(
                why -> {
                  throw why;
                });
        connect();
        PsiAccept accept = start();
        channel.listener(audit);
        audit.durable(
            audit
                .event(EventType.COMPUTATION_STARTED)
                .detail("mode", plan.mode().policyName())
                .detail("use", permit.useNumber())
                .build());
        started = true;
        Progress progress = new Progress(out);
        try (BufferAllocator allocator =
            context
                .allocator()
                .newChildAllocator("psi-" + sessionId, 0, context.sessionMemoryLimit())) {
          PsiReceiverResult result = protocol(accept, allocator, progress);
          stop.partyDone();
          audit.settle(); // every frame is on record before anything is released
          Released released = release(result, accept, allocator);
          String peerHead =
              context.exchangeHeads(true, channel, plan.agreement().providerId(), traceId);
          audit.append(
              audit
                  .event(EventType.COMPUTATION_FINISHED)
                  .detail("bytesSent", channel.bytesSent())
                  .detail("bytesReceived", channel.bytesReceived())
                  .detail("peerHead", peerHead)
                  .build());
          audit.settle();
          channel.close();
          progress.send(RunPsiUpdate.newBuilder().setSummary(summary(result, released)).build());
          out.onCompleted();
        }
      } catch (SluiceException e) {
        SluiceException end = stop.cause(e);
        audit.ended(end, started);
        channel.close();
        out.onError(StatusMapping.toStatus(end));
      } catch (RuntimeException e) {
        SluiceException internal = new SluiceException(ErrorCode.INTERNAL, "internal error", e);
        audit.ended(stop.cause(internal), started);
        channel.close();
        out.onError(StatusMapping.toStatus(internal));
      }
    }

    private void connect() {
      String provider = plan.agreement().providerId();
      ComputeServiceGrpc.newStub(
              ClientInterceptors.intercept(
                  context.peers().channel(provider), TraceIds.clientInterceptor(traceId)))
          .withDeadlineAfter(context.sessionDeadline().toMillis(), TimeUnit.MILLISECONDS)
          .psi(channel.responseObserver());
    }

    private PsiAccept start() {
      channel.sendControl(
          ComputeMessage.newBuilder()
              .setStart(
                  PsiStart.newBuilder()
                      .setAgreementId(plan.agreement().agreementId())
                      .setSessionId(sessionId)
                      .setMode(plan.mode().policyName())
                      .setKeyColumns(plan.keyColumns())
                      .addAllPayloadColumns(plan.payloadColumns())
                      .setReceiverRows(plan.distinct().size())
                      .setBatchSize(plan.batchSize()))
              .build());
      ComputeMessage answer = channel.receiveControl(Duration.ofMinutes(10));
      if (!answer.hasAccept()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION,
            plan.agreement().providerId() + " did not accept the computation");
      }
      PsiAccept accept = answer.getAccept();
      if (permit.duty("inform").isPresent() != accept.getNoticeRequired()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION,
            "the provider and we disagree on the agreement's inform duty");
      }
      return accept;
    }

    private PsiReceiverResult protocol(
        PsiAccept accept, BufferAllocator allocator, Progress progress) {
      PsiConfig.Builder config =
          PsiConfig.builder(
                  plan.mode(), plan.agreement().agreementId(), sessionId, plan.keyColumns())
              .maxReceiverRows(Math.min(permit.maxInputRows(), PsiConfig.MAX_ROWS))
              .maxSenderRows(PsiConfig.MAX_ROWS)
              .batchSize(plan.batchSize())
              .maxFrameBytes(context.maxFrameBytes())
              .minResultGroupSize(
                  Math.max(permit.minResultGroupSize(), accept.getMinResultGroupSize()));
      if (plan.mode() == PsiMode.LABEL) {
        config.keyEpoch(accept.getKeyEpoch());
        LabelPsiReceiver receiver =
            new LabelPsiReceiver(
                config.build(),
                channel.protocolView(),
                allocator,
                context.workers(),
                new SecureRandom(),
                progress);
        stop.party(receiver::cancel);
        return receiver.run(plan.distinct());
      }
      EcdhPsiReceiver receiver =
          new EcdhPsiReceiver(
              config.build(),
              channel.protocolView(),
              allocator,
              context.workers(),
              new SecureRandom(),
              progress);
      stop.party(receiver::cancel);
      return receiver.run(plan.distinct());
    }

    /** What the release step produced. */
    private record Released(long outputRows, Optional<Instant> deleteBy, String reason) {}

    /**
     * The release step, in this order: the audit record, the output, its registration for deletion
     * (the deadline), then — when the agreement has an inform duty — the notice of use with that
     * deadline. The provider's acknowledgement is recorded, not required: the provider has already
     * seen the outcome, so waiting for it would let the provider veto a result it knows to be
     * released.
     */
    private Released release(
        PsiReceiverResult result, PsiAccept accept, BufferAllocator allocator) {
      Released released = keep(result, accept, allocator);
      if (accept.getNoticeRequired()) {
        notifyUse(result, released.deleteBy());
      }
      return released;
    }

    private Released keep(PsiReceiverResult result, PsiAccept accept, BufferAllocator allocator) {
      if (result.outcome() != PsiOutcome.RELEASED) {
        audit.durable(
            audit
                .event(EventType.RESULT_WITHHELD)
                .detail("reason", "below minimum group size")
                .build());
        return new Released(
            0,
            Optional.empty(),
            "the intersection is smaller than the agreement's minimum group size; nothing was"
                + " released");
      }
      var released =
          audit.event(EventType.RESULT_RELEASED).detail("matchedRows", result.matchedRows().length);
      if (plan.output().isEmpty()) {
        audit.durable(released.build());
        return new Released(0, Optional.empty(), "");
      }
      Path output = plan.output().get();
      results.releasing(
          new ReleaseJournal.Release(
              sessionId,
              plan.agreement().agreementId(),
              traceId,
              output,
              context.clock().instant()));
      try {
        // Durable before the result exists anywhere: no result without its record.
        audit.durable(released.detail("file", output.getFileName().toString()).build());
        FaultPoints.reach("consumer.result.released");
        return write(result, accept, allocator, output);
      } finally {
        results.released(sessionId);
      }
    }

    /**
     * Writes the output (to a temporary name, renamed into place once complete) and registers it
     * for deletion ({@code RESULT_KEPT}); a failure deletes it.
     */
    private Released write(
        PsiReceiverResult result, PsiAccept accept, BufferAllocator allocator, Path output) {
      PayloadCodec labels =
          plan.mode() == PsiMode.LABEL
              ? PayloadCodec.fromSchemaJson(accept.getPayloadSchemaJson())
              : null;
      long rows =
          ResultAssembler.write(result, plan.input(), labels, output, allocator, plan.batchSize());
      FaultPoints.reach("consumer.result.written");
      ResultRecord kept =
          results.register(
              plan.agreement().agreementId(),
              sessionId,
              traceId,
              output,
              rows,
              permit.duty("delete"));
      return new Released(rows, kept.deleteBy(), "");
    }

    private void notifyUse(PsiReceiverResult result, Optional<Instant> deleteBy) {
      UseNotice notice =
          UseNotice.newBuilder()
              .setUse(permit.useNumber())
              .setOutcome(result.outcome().name().toLowerCase(Locale.ROOT))
              .setDeleteByMs(deleteBy.map(Instant::toEpochMilli).orElse(0L))
              .build();
      boolean acknowledged;
      try {
        channel.sendControl(ComputeMessage.newBuilder().setNotice(notice).build());
        acknowledged = channel.receiveControl(NOTICE_ACK_TIMEOUT).hasNoticeAck();
      } catch (SluiceException e) {
        acknowledged = false;
      }
      var event =
          audit
              .event(EventType.USE_NOTICE_SENT)
              .detail("use", notice.getUse())
              .detail("outcome", notice.getOutcome())
              .detail("acknowledged", acknowledged);
      deleteBy.ifPresent(d -> event.detail("deleteBy", d.toString()));
      audit.append(event.build());
    }

    private PsiSummary summary(PsiReceiverResult result, Released released) {
      boolean isReleased = result.outcome() == PsiOutcome.RELEASED;
      return PsiSummary.newBuilder()
          .setOutcome(result.outcome().name().toLowerCase(Locale.ROOT))
          .setReason(released.reason())
          .setInputRows(result.input().rows())
          .setSkippedRows(result.input().skippedRows())
          .setInputKeys(result.input().distinctKeys())
          .setSenderKeys(result.senderKeys())
          .setMatchedRows(plan.mode() == PsiMode.CARDINALITY ? 0 : result.matchedRows().length)
          .setIntersectionSize(result.intersectionSize().orElse(0))
          .setElapsedMs((System.nanoTime() - t0) / 1_000_000)
          .setBytesSent(channel.bytesSent())
          .setBytesReceived(channel.bytesReceived())
          .setOutputPath(
              isReleased && plan.output().isPresent() ? plan.output().get().toString() : "")
          .setOutputRows(released.outputRows())
          .setDeleteBy(released.deleteBy().map(Instant::toString).orElse(""))
          .setTraceId(traceId)
          .setSessionId(sessionId)
          .build();
    }
  }

  @Override
  public void preparePsi(PreparePsiRequest request, StreamObserver<PreparePsiResponse> response) {
    requireSelf();
    NegotiationStore.StoredAgreement stored =
        context
            .store()
            .agreement(request.getAgreementId())
            .filter(a -> a.role() == Role.PROVIDER)
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "no agreement " + request.getAgreementId() + " where we provide the data"));
    PolicyTerms terms =
        PolicyTerms.of(
            PolicyCodec.parse(
                Agreements.parse(Agreements.parseSigned(stored.signedAgreement()))
                    .getPolicy()
                    .toString(StandardCharsets.UTF_8)));
    var dataset =
        context
            .catalog()
            .dataset(stored.datasetId())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "dataset " + stored.datasetId() + " is not served now"));
    List<String> reveal =
        request.getPayloadColumnsCount() > 0
            ? request.getPayloadColumnsList()
            : terms.outputColumns().map(c -> c.stream().sorted().toList()).orElse(List.of());
    var prepared =
        context.prepare(
            stored.agreementId(),
            dataset,
            KeyBinding.choose(terms, request.getKeyColumns()),
            reveal);
    response.onNext(
        PreparePsiResponse.newBuilder()
            .setKeyEpoch(prepared.table().keyEpoch())
            .setRows(prepared.table().rows())
            .setElapsedMs(prepared.buildMillis())
            .build());
    response.onCompleted();
  }

  /**
   * An agreement where we are the consumer, by id, or as {@code DATASET@PROVIDER} for the newest
   * usable one of that dataset.
   */
  private NegotiationStore.StoredAgreement consumerAgreement(String ref) {
    int at = ref.indexOf('@');
    if (at > 0) {
      String dataset = ref.substring(0, at);
      String provider = ref.substring(at + 1);
      return context.store().agreements().stream()
          .filter(a -> a.role() == Role.CONSUMER && a.finalized() && !a.terminated())
          .filter(a -> a.datasetId().equals(dataset) && a.providerId().equals(provider))
          .max(java.util.Comparator.comparingLong(NegotiationStore.StoredAgreement::validFromMs))
          .orElseThrow(
              () ->
                  new SluiceException(
                      ErrorCode.NOT_FOUND,
                      "no usable agreement for dataset " + dataset + " with " + provider));
    }
    return context
        .store()
        .agreement(ref)
        .filter(a -> a.role() == Role.CONSUMER)
        .orElseThrow(
            () ->
                new SluiceException(
                    ErrorCode.NOT_FOUND, "no agreement " + ref + " where we are the consumer"));
  }

  private static String onlyMode(PolicyTerms terms) {
    Set<String> kinds = terms.computationKinds().orElse(Set.of());
    List<String> psi = kinds.stream().filter(k -> k.startsWith("psi")).sorted().toList();
    if (psi.size() != 1) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the agreement permits " + psi + "; name the mode with --mode");
    }
    return psi.get(0);
  }

  /** Sends progress to the caller, at most a few times a second. */
  private static final class Progress implements io.sluice.psi.PsiProgress {
    private final ServerCallStreamObserver<RunPsiUpdate> out;
    private long last;

    Progress(ServerCallStreamObserver<RunPsiUpdate> out) {
      this.out = out;
    }

    @Override
    public void update(Stage stage, long rows) {
      long now = System.nanoTime();
      synchronized (this) {
        if (now - last < 200_000_000L) {
          return;
        }
        last = now;
      }
      send(
          RunPsiUpdate.newBuilder()
              .setProgress(
                  PsiProgress.newBuilder()
                      .setStage(stage.name().toLowerCase(Locale.ROOT))
                      .setRows(rows))
              .build());
    }

    synchronized void send(RunPsiUpdate update) {
      if (!out.isCancelled()) {
        out.onNext(update);
      }
    }
  }
}
