package io.sluice.node.compute;

import io.grpc.ClientInterceptors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.EventType;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.PayloadCodec;
import io.sluice.compute.ResultAssembler;
import io.sluice.compute.RowStream;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.DatasetSource;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.Agreements;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.node.grpc.Caller;
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
import io.sluice.psi.EcdhPsiReceiver;
import io.sluice.psi.LabelPsiReceiver;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiOutcome;
import io.sluice.psi.PsiReceiverResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;

/**
 * {@code sluice.v1.ComputeControlService} for the node's own operator: runs PSI as the receiver
 * against the agreement's provider (checking the agreement first, counting the use, streaming
 * progress, writing the released result), and prepares a provider's labelled-PSI table ahead of
 * time.
 */
public final class PsiReceiverService
    extends ComputeControlServiceGrpc.ComputeControlServiceImplBase {
  private final ComputeContext context;

  public PsiReceiverService(ComputeContext context) {
    this.context = context;
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(context.self())) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + context.self() + " itself may run its computations");
    }
  }

  @Override
  public void runPsi(RunPsiRequest request, StreamObserver<RunPsiUpdate> updates) {
    requireSelf();
    long t0 = System.nanoTime();
    ServerCallStreamObserver<RunPsiUpdate> out = (ServerCallStreamObserver<RunPsiUpdate>) updates;
    NegotiationStore.StoredAgreement stored = consumerAgreement(request.getAgreementId());
    PolicyTerms terms =
        PolicyTerms.of(
            PolicyCodec.parse(
                Agreements.parse(Agreements.parseSigned(stored.signedAgreement()))
                    .getPolicy()
                    .toString(StandardCharsets.UTF_8)));
    PsiMode mode =
        ComputeContext.mode(request.getMode().isEmpty() ? onlyMode(terms) : request.getMode());
    DatasetSource input = DatasetSource.file(Path.of(request.getInputPath()));
    DatasetInfo info = DatasetProbe.probe(input, context.allocator());
    KeyExtractor keys = ComputeContext.keys(request.getKeysList(), info.schema());
    List<KeyColumn> senderKeys =
        request.getSenderKeysCount() > 0 ? request.getSenderKeysList() : request.getKeysList();
    List<String> payloadColumns =
        mode != PsiMode.LABEL
            ? List.of()
            : request.getPayloadColumnsCount() > 0
                ? request.getPayloadColumnsList()
                : terms
                    .outputColumns()
                    .map(List::copyOf)
                    .orElseThrow(
                        () ->
                            new SluiceException(
                                ErrorCode.INVALID_ARGUMENT,
                                "name the columns to reveal (--reveal)"))
                    .stream()
                    .sorted()
                    .toList();
    if (mode != PsiMode.CARDINALITY && request.getOutputPath().isEmpty()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "an output file is required for " + mode.policyName());
    }
    String sessionId = UUID.randomUUID().toString();
    String traceId = UUID.randomUUID().toString();
    String provider = stored.providerId();
    FrameAudit audit =
        new FrameAudit(
            context.audit(),
            context.clock(),
            context.self(),
            provider,
            traceId,
            sessionId,
            stored.agreementId(),
            true);
    audit.append(
        audit
            .event(EventType.COMPUTATION_REQUESTED)
            .detail("mode", mode.policyName())
            .detail("receiverRows", info.rowCount())
            .build());
    ComputeGuard.Permit permit;
    try {
      permit =
          context
              .guard()
              .admit(
                  new ComputeGuard.Intent(
                      stored.agreementId(),
                      mode.policyName(),
                      info.rowCount(),
                      new HashSet<>(payloadColumns),
                      context.identity()));
    } catch (SluiceException e) {
      audit.ended(e, false);
      throw e;
    }
    int batch = ComputeContext.batchSize(request.getBatchSize());
    GrpcPsiChannel channel = GrpcPsiChannel.client(context.maxFrameBytes(), provider);
    AtomicReference<Runnable> running = new AtomicReference<>();
    out.setOnCancelHandler(
        () -> {
          Runnable cancel = running.get();
          if (cancel != null) {
            cancel.run();
          } else {
            channel.close();
          }
        });
    ComputeServiceGrpc.newStub(
            ClientInterceptors.intercept(
                context.peers().channel(provider), TraceIds.clientInterceptor(traceId)))
        .withDeadlineAfter(context.sessionDeadline().toMillis(), TimeUnit.MILLISECONDS)
        .psi(channel.responseObserver());
    // The session runs off the call's thread: gRPC delivers a call's cancellation on that thread,
    // so a session blocking it would never hear that its caller went away.
    context
        .sessions()
        .execute(
            () -> {
              boolean started = false;
              try {
                channel.sendControl(
                    ComputeMessage.newBuilder()
                        .setStart(
                            PsiStart.newBuilder()
                                .setAgreementId(stored.agreementId())
                                .setSessionId(sessionId)
                                .setMode(mode.policyName())
                                .addAllSenderKeys(senderKeys)
                                .addAllPayloadColumns(payloadColumns)
                                .setReceiverRows(info.rowCount())
                                .setBatchSize(batch))
                        .build());
                ComputeMessage answer = channel.receiveControl(Duration.ofMinutes(10));
                if (!answer.hasAccept()) {
                  throw new SluiceException(
                      ErrorCode.PROTOCOL_VIOLATION, provider + " did not accept the computation");
                }
                PsiAccept accept = answer.getAccept();
                PsiConfig.Builder config =
                    PsiConfig.builder(mode, stored.agreementId(), sessionId)
                        .maxReceiverRows(Math.min(permit.maxInputRows(), PsiConfig.MAX_ROWS))
                        .maxSenderRows(PsiConfig.MAX_ROWS)
                        .batchSize(batch)
                        .maxFrameBytes(context.maxFrameBytes())
                        .minResultGroupSize(
                            Math.max(permit.minResultGroupSize(), accept.getMinResultGroupSize()));
                PayloadCodec labels = null;
                if (mode == PsiMode.LABEL) {
                  config.keyEpoch(accept.getKeyEpoch());
                  labels = PayloadCodec.fromSchemaJson(accept.getPayloadSchemaJson());
                }
                channel.listener(audit);
                audit.append(
                    audit
                        .event(EventType.COMPUTATION_STARTED)
                        .detail("mode", mode.policyName())
                        .detail("use", permit.useNumber())
                        .build());
                started = true;
                Progress progress = new Progress(out);
                PsiReceiverResult result;
                try (BufferAllocator allocator =
                        context
                            .allocator()
                            .newChildAllocator(
                                "psi-" + sessionId, 0, context.sessionMemoryLimit());
                    RowStream<byte[]> rows = RowStream.keys(input, allocator, batch, keys)) {
                  if (mode == PsiMode.LABEL) {
                    LabelPsiReceiver receiver =
                        new LabelPsiReceiver(
                            config.build(),
                            channel,
                            allocator,
                            context.workers(),
                            new SecureRandom(),
                            progress);
                    running.set(receiver::cancel);
                    result = receiver.run(info.rowCount(), rows);
                  } else {
                    EcdhPsiReceiver receiver =
                        new EcdhPsiReceiver(
                            config.build(),
                            channel,
                            allocator,
                            context.workers(),
                            new SecureRandom(),
                            progress);
                    running.set(receiver::cancel);
                    result = receiver.run(info.rowCount(), rows);
                  }
                  channel.close();
                  long outputRows = 0;
                  String why = "";
                  if (result.outcome() == PsiOutcome.RELEASED) {
                    if (!request.getOutputPath().isEmpty()) {
                      outputRows =
                          ResultAssembler.write(
                              result,
                              input,
                              labels,
                              Path.of(request.getOutputPath()),
                              allocator,
                              batch);
                    }
                    audit.append(
                        audit
                            .event(EventType.RESULT_RELEASED)
                            .detail("matchedRows", result.matchedRows().length)
                            .detail("outputRows", outputRows)
                            .build());
                  } else {
                    why =
                        "the intersection is smaller than the agreement's minimum group size; nothing was released";
                    audit.append(
                        audit
                            .event(EventType.RESULT_WITHHELD)
                            .detail("reason", "below minimum group size")
                            .build());
                  }
                  audit.append(
                      audit
                          .event(EventType.COMPUTATION_FINISHED)
                          .detail("bytesSent", channel.bytesSent())
                          .detail("bytesReceived", channel.bytesReceived())
                          .build());
                  progress.send(
                      RunPsiUpdate.newBuilder()
                          .setSummary(
                              PsiSummary.newBuilder()
                                  .setOutcome(result.outcome().name().toLowerCase(Locale.ROOT))
                                  .setReason(why)
                                  .setInputRows(result.receiverRows())
                                  .setSenderRows(result.senderRows())
                                  .setMatchedRows(
                                      mode == PsiMode.CARDINALITY ? 0 : result.matchedRows().length)
                                  .setIntersectionSize(result.intersectionSize().orElse(0))
                                  .setElapsedMs((System.nanoTime() - t0) / 1_000_000)
                                  .setBytesSent(channel.bytesSent())
                                  .setBytesReceived(channel.bytesReceived())
                                  .setOutputPath(
                                      result.outcome() == PsiOutcome.RELEASED
                                          ? request.getOutputPath()
                                          : "")
                                  .setOutputRows(outputRows)
                                  .setTraceId(traceId)
                                  .setSessionId(sessionId))
                          .build());
                  out.onCompleted();
                }
              } catch (SluiceException e) {
                audit.ended(e, started);
                channel.close();
                out.onError(io.sluice.node.grpc.StatusMapping.toStatus(e));
              } catch (RuntimeException e) {
                channel.close();
                out.onError(io.sluice.node.grpc.StatusMapping.toStatus(e));
              }
            });
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
    var dataset =
        context
            .catalog()
            .dataset(stored.datasetId())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "dataset " + stored.datasetId() + " is not served now"));
    DatasetInfo info = context.catalog().info(dataset.id()).orElseThrow();
    var prepared =
        context.prepare(
            stored.agreementId(),
            dataset,
            info,
            ComputeContext.keys(request.getKeysList(), info.schema()),
            request.getPayloadColumnsList());
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
