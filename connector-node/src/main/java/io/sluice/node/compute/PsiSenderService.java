package io.sluice.node.compute;

import io.grpc.stub.StreamObserver;
import io.sluice.audit.EventType;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.ComputeGuard;
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
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.ComputeServiceGrpc;
import io.sluice.proto.v1.PsiAccept;
import io.sluice.proto.v1.PsiStart;
import io.sluice.psi.EcdhPsiSender;
import io.sluice.psi.LabelPsiSender;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiProgress;
import io.sluice.psi.PsiSenderResult;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice.v1.ComputeService/Psi} on the data provider's node: the receiver's node opens the
 * stream; this node checks the agreement (the same checks the receiver made, from its own store),
 * reads its dataset, and runs the sender's side. A refusal reaches the receiver as a typed status.
 */
public final class PsiSenderService extends ComputeServiceGrpc.ComputeServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(PsiSenderService.class);
  private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

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
    context.sessions().execute(() -> serve(caller, traceId, channel));
    return channel.inbound();
  }

  private void serve(PeerIdentity caller, String traceId, GrpcPsiChannel channel) {
    FrameAudit audit = null;
    boolean started = false;
    try {
      ComputeMessage first = channel.receiveControl(Duration.ofSeconds(30));
      if (!first.hasStart()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION, "a computation starts with its parameters");
      }
      PsiStart start = first.getStart();
      if (!SESSION.matcher(start.getSessionId()).matches()) {
        throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed session id");
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
      audit.append(
          audit
              .event(EventType.COMPUTATION_REQUESTED)
              .detail("mode", mode.policyName())
              .detail("receiverRows", start.getReceiverRows())
              .build());

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
          mode == PsiMode.LABEL ? start.getPayloadColumnsList() : List.of();
      ComputeGuard.Permit permit =
          context
              .guard()
              .admit(
                  new ComputeGuard.Intent(
                      stored.agreementId(),
                      mode.policyName(),
                      start.getReceiverRows(),
                      new HashSet<>(payloadColumns),
                      caller));
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
      KeyExtractor keys = ComputeContext.keys(start.getSenderKeysList(), info.schema());
      int batch = ComputeContext.batchSize(start.getBatchSize());
      PsiConfig.Builder config =
          PsiConfig.builder(mode, stored.agreementId(), start.getSessionId())
              .maxReceiverRows(Math.min(permit.maxInputRows(), PsiConfig.MAX_ROWS))
              .maxSenderRows(PsiConfig.MAX_ROWS)
              .batchSize(batch)
              .maxFrameBytes(context.maxFrameBytes())
              .minResultGroupSize(permit.minResultGroupSize());
      PsiAccept.Builder accept =
          PsiAccept.newBuilder()
              .setSenderRows(info.rowCount())
              .setMinResultGroupSize(permit.minResultGroupSize());
      SenderTables.Prepared prepared = null;
      if (mode == PsiMode.LABEL) {
        prepared = context.prepare(stored.agreementId(), dataset, info, keys, payloadColumns);
        config.keyEpoch(prepared.table().keyEpoch());
        accept
            .setKeyEpoch(prepared.table().keyEpoch())
            .setPayloadSchemaJson(prepared.codec().schemaJson());
      }
      channel.sendControl(ComputeMessage.newBuilder().setAccept(accept).build());
      channel.listener(audit);
      audit.append(
          audit
              .event(EventType.COMPUTATION_STARTED)
              .detail("mode", mode.policyName())
              .detail("use", permit.useNumber())
              .build());
      started = true;
      PsiSenderResult result;
      try (BufferAllocator allocator =
          context
              .allocator()
              .newChildAllocator("psi-" + start.getSessionId(), 0, context.sessionMemoryLimit())) {
        if (mode == PsiMode.LABEL) {
          result =
              new LabelPsiSender(
                      config.build(),
                      channel,
                      allocator,
                      context.workers(),
                      new SecureRandom(),
                      PsiProgress.NONE,
                      prepared.key(),
                      prepared.table())
                  .run();
        } else {
          try (RowStream<byte[]> rows = RowStream.keys(dataset.source(), allocator, batch, keys)) {
            result =
                new EcdhPsiSender(
                        config.build(),
                        channel,
                        allocator,
                        context.workers(),
                        new SecureRandom(),
                        PsiProgress.NONE)
                    .run(info.rowCount(), rows);
          }
        }
      }
      boolean released = result.outcome() == io.sluice.psi.PsiOutcome.RELEASED;
      audit.append(
          audit
              .event(released ? EventType.RESULT_RELEASED : EventType.RESULT_WITHHELD)
              .detail("receiverRows", result.receiverRows())
              .detail("senderRows", result.senderRows())
              .build());
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
}
