package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.KeyBinding;
import io.sluice.compute.PayloadCodec;
import io.sluice.compute.PsiDuties;
import io.sluice.compute.ResultAssembler;
import io.sluice.compute.RowStream;
import io.sluice.compute.runtime.ReleaseStep;
import io.sluice.compute.runtime.RuntimeSession;
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
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.proto.v1.ComputationAccept;
import io.sluice.proto.v1.ComputationProgress;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.ComputeMessage;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.proto.v1.PsiAccept;
import io.sluice.proto.v1.PsiStart;
import io.sluice.proto.v1.PsiSummary;
import io.sluice.proto.v1.RunPsiRequest;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunSummary;
import io.sluice.proto.v1.RunUpdate;
import io.sluice.proto.v1.UseNotice;
import io.sluice.psi.DistinctKeys;
import io.sluice.psi.EcdhPsiReceiver;
import io.sluice.psi.LabelPsiReceiver;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiFrames;
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
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;

/**
 * PSI as the receiver (the consumer's node): every local check first (the agreement, its key
 * columns against our input, our distinct keys against its limit, the output, its duties against
 * what we can carry out); then the protocol against the agreement's provider; then the release in
 * one step: the audit record, the output (registered for deletion when the agreement sets a
 * retention), and the notice of use if the agreement asks for one.
 */
final class PsiInitiator implements Initiator {
  /** How long the provider has to acknowledge a notice of use. */
  static final Duration NOTICE_ACK_TIMEOUT = Duration.ofSeconds(30);

  private final ComputeContext context;
  private final ConsumerResults results;

  PsiInitiator(ComputeContext context, ConsumerResults results) {
    this.context = context;
    this.results = results;
  }

  /** The mode a run asks for: as named, or the only PSI mode the agreement permits. */
  String modeOf(RunRequest request) {
    RunPsiRequest psi = request.getPsi();
    if (!psi.getMode().isEmpty()) {
      return psi.getMode();
    }
    return onlyMode(terms(consumerAgreement(psi.getAgreementId())));
  }

  @Override
  public Initiator.Plan plan(RunRequest run) {
    RunPsiRequest request = run.getPsi();
    NegotiationStore.StoredAgreement stored = consumerAgreement(request.getAgreementId());
    PolicyTerms terms = terms(stored);
    PsiMode mode = PsiKinds.mode(request.getMode().isEmpty() ? onlyMode(terms) : request.getMode());
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
    // Every session parameter is checked now, before a use is reserved (the epoch comes later).
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
    return new PsiPlan(
        stored, mode, keyColumns, input, keys, payloadColumns, output, distinct, batch);
  }

  private static PolicyTerms terms(NegotiationStore.StoredAgreement stored) {
    return PolicyTerms.of(
        PolicyCodec.parse(
            Agreements.parse(Agreements.parseSigned(stored.signedAgreement()))
                .getPolicy()
                .toString(StandardCharsets.UTF_8)));
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

  /** A run that passed every local check, and then its session. */
  private final class PsiPlan implements Initiator.Plan {
    private final NegotiationStore.StoredAgreement agreement;
    private final PsiMode mode;
    private final String keyColumns;
    private final DatasetSource input;
    private final List<String> payloadColumns;
    private final Optional<Path> output;
    private final DistinctKeys distinct;
    private final int batchSize;
    private ComputeGuard.Judged judged;
    private ComputeGuard.Permit permit;
    private PsiAccept accept;

    PsiPlan(
        NegotiationStore.StoredAgreement agreement,
        PsiMode mode,
        String keyColumns,
        DatasetSource input,
        KeyExtractor keys,
        List<String> payloadColumns,
        Optional<Path> output,
        DistinctKeys distinct,
        int batchSize) {
      this.agreement = agreement;
      this.mode = mode;
      this.keyColumns = keyColumns;
      this.input = input;
      this.payloadColumns = payloadColumns;
      this.output = output;
      this.distinct = distinct;
      this.batchSize = batchSize;
    }

    @Override
    public String termsId() {
      return agreement.agreementId();
    }

    @Override
    public String peer() {
      return agreement.providerId();
    }

    @Override
    public void describe(AuditEvent.Builder requested) {
      requested
          .detail("mode", mode.policyName())
          .detail("inputRows", distinct.rows())
          .detail("skippedRows", distinct.skippedRows())
          .detail("distinctKeys", distinct.size());
    }

    @Override
    public long judge(String sessionId) {
      judged =
          context
              .guard()
              .judge(
                  new ComputeGuard.Intent(
                      agreement.agreementId(),
                      mode.policyName(),
                      distinct.size(),
                      new HashSet<>(payloadColumns),
                      keyColumns,
                      context.identity(),
                      sessionId),
                  PsiDuties.forConsumer(
                      agreement.providerId(), context.duties(), results.keeping(output)));
      return judged.maxUses();
    }

    @Override
    public ComputationStart start(RuntimeSession session) {
      permit = context.guard().permit(judged, session.reservation());
      return ComputationStart.newBuilder()
          .setPsi(
              PsiStart.newBuilder()
                  .setAgreementId(agreement.agreementId())
                  .setSessionId(session.key().sessionId())
                  .setMode(mode.policyName())
                  .setKeyColumns(keyColumns)
                  .addAllPayloadColumns(payloadColumns)
                  .setReceiverRows(distinct.size())
                  .setBatchSize(batchSize))
          .build();
    }

    @Override
    public void accepted(ComputationAccept message) {
      if (!message.hasPsi()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION, agreement.providerId() + " accepted another computation");
      }
      PsiAccept psi = message.getPsi();
      if (permit.duty("inform").isPresent() != psi.getNoticeRequired()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION,
            "the provider and we disagree on the agreement's inform duty");
      }
      this.accept = psi;
    }

    @Override
    public RunSummary run(Initiator.Running running, Consumer<RunUpdate> progress) {
      PsiReceiverResult result = protocol(running, new Progress(progress));
      running.stop().partyDone();
      running.audit().settle(); // every frame is on record before anything is released
      Released released = running.session().release(new Release(running, result));
      if (accept.getNoticeRequired()) {
        notifyUse(running, result, released.deleteBy());
      }
      return RunSummary.newBuilder().setPsi(summary(running, result, released)).build();
    }

    private PsiReceiverResult protocol(Initiator.Running running, Progress progress) {
      PsiConfig.Builder config =
          PsiConfig.builder(
                  mode, agreement.agreementId(), running.session().key().sessionId(), keyColumns)
              .maxReceiverRows(Math.min(permit.maxInputRows(), PsiConfig.MAX_ROWS))
              .maxSenderRows(PsiConfig.MAX_ROWS)
              .batchSize(batchSize)
              .maxFrameBytes(context.maxFrameBytes())
              .minResultGroupSize(
                  Math.max(permit.minResultGroupSize(), accept.getMinResultGroupSize()));
      var channel = PsiFrames.over(running.channel(), false);
      BufferAllocator allocator = running.session().allocator();
      if (mode == PsiMode.LABEL) {
        config.keyEpoch(accept.getKeyEpoch());
        LabelPsiReceiver receiver =
            new LabelPsiReceiver(
                config.build(),
                channel,
                allocator,
                context.workers(),
                new SecureRandom(),
                progress);
        running.stop().party(receiver::cancel);
        return receiver.run(distinct);
      }
      EcdhPsiReceiver receiver =
          new EcdhPsiReceiver(
              config.build(), channel, allocator, context.workers(), new SecureRandom(), progress);
      running.stop().party(receiver::cancel);
      return receiver.run(distinct);
    }

    /**
     * The release step: the audit record, durable, then the output and its registration for
     * deletion (the deadline). A withheld result is recorded as withheld and writes nothing.
     */
    private final class Release implements ReleaseStep<Released> {
      private final Initiator.Running running;
      private final PsiReceiverResult result;
      private boolean journaled;

      Release(Initiator.Running running, PsiReceiverResult result) {
        this.running = running;
        this.result = result;
      }

      private String sessionId() {
        return running.session().key().sessionId();
      }

      @Override
      public void record() {
        FrameAudit audit = running.audit();
        if (result.outcome() != PsiOutcome.RELEASED) {
          audit.durable(
              audit
                  .event(EventType.RESULT_WITHHELD)
                  .detail("reason", "below minimum group size")
                  .build());
          return;
        }
        var released =
            audit
                .event(EventType.RESULT_RELEASED)
                .detail("matchedRows", result.matchedRows().length);
        if (output.isEmpty()) {
          audit.durable(released.build());
          return;
        }
        Path out = output.get();
        results.releasing(
            new ReleaseJournal.Release(
                sessionId(),
                agreement.agreementId(),
                running.traceId(),
                out,
                context.clock().instant()));
        journaled = true;
        try {
          // Durable before the result exists anywhere: no result without its record.
          audit.durable(released.detail("file", out.getFileName().toString()).build());
        } catch (RuntimeException e) {
          results.released(sessionId());
          throw e;
        }
      }

      @Override
      public Released output() {
        if (result.outcome() != PsiOutcome.RELEASED) {
          return new Released(
              0,
              Optional.empty(),
              "the intersection is smaller than the agreement's minimum group size; nothing was"
                  + " released");
        }
        if (output.isEmpty()) {
          return new Released(0, Optional.empty(), "");
        }
        try {
          FaultPoints.reach("consumer.result.released");
          return write(output.get());
        } finally {
          if (journaled) {
            results.released(sessionId());
          }
        }
      }

      /**
       * Writes the output (to a temporary name, renamed into place once complete) and registers it
       * for deletion ({@code RESULT_KEPT}); a failure deletes it.
       */
      private Released write(Path out) {
        PayloadCodec labels =
            mode == PsiMode.LABEL
                ? PayloadCodec.fromSchemaJson(accept.getPayloadSchemaJson())
                : null;
        long rows =
            ResultAssembler.write(
                result, input, labels, out, running.session().allocator(), batchSize);
        FaultPoints.reach("consumer.result.written");
        ResultRecord kept =
            results.register(
                agreement.agreementId(),
                sessionId(),
                running.traceId(),
                out,
                rows,
                permit.duty("delete"));
        return new Released(rows, kept.deleteBy(), "");
      }
    }

    /**
     * The notice of use, with the deletion deadline, after the release. The provider's
     * acknowledgement is recorded, not required: the provider has already seen the outcome, so
     * waiting for it would let the provider veto a result it knows to be released.
     */
    private void notifyUse(
        Initiator.Running running, PsiReceiverResult result, Optional<Instant> deleteBy) {
      UseNotice notice =
          UseNotice.newBuilder()
              .setUse(permit.useNumber())
              .setOutcome(result.outcome().name().toLowerCase(Locale.ROOT))
              .setDeleteByMs(deleteBy.map(Instant::toEpochMilli).orElse(0L))
              .build();
      boolean acknowledged;
      try {
        running.control().sendControl(ComputeMessage.newBuilder().setNotice(notice).build());
        acknowledged = running.control().receiveControl(NOTICE_ACK_TIMEOUT).hasNoticeAck();
      } catch (SluiceException e) {
        acknowledged = false;
      }
      FrameAudit audit = running.audit();
      var event =
          audit
              .event(EventType.USE_NOTICE_SENT)
              .detail("use", notice.getUse())
              .detail("outcome", notice.getOutcome())
              .detail("acknowledged", acknowledged);
      deleteBy.ifPresent(d -> event.detail("deleteBy", d.toString()));
      audit.append(event.build());
    }

    private PsiSummary summary(
        Initiator.Running running, PsiReceiverResult result, Released released) {
      boolean isReleased = result.outcome() == PsiOutcome.RELEASED;
      return PsiSummary.newBuilder()
          .setOutcome(result.outcome().name().toLowerCase(Locale.ROOT))
          .setReason(released.reason())
          .setInputRows(result.input().rows())
          .setSkippedRows(result.input().skippedRows())
          .setInputKeys(result.input().distinctKeys())
          .setSenderKeys(result.senderKeys())
          .setMatchedRows(mode == PsiMode.CARDINALITY ? 0 : result.matchedRows().length)
          .setIntersectionSize(result.intersectionSize().orElse(0))
          .setElapsedMs((System.nanoTime() - running.startedNanos()) / 1_000_000)
          .setBytesSent(running.transfer().sent())
          .setBytesReceived(running.transfer().received())
          .setOutputPath(isReleased && output.isPresent() ? output.get().toString() : "")
          .setOutputRows(released.outputRows())
          .setDeleteBy(released.deleteBy().map(Instant::toString).orElse(""))
          .setTraceId(running.traceId())
          .setSessionId(running.session().key().sessionId())
          .build();
    }
  }

  /** What the release step produced. */
  private record Released(long outputRows, Optional<Instant> deleteBy, String reason) {}

  /** Sends progress to the caller, at most a few times a second. */
  private static final class Progress implements io.sluice.psi.PsiProgress {
    private final Consumer<RunUpdate> out;
    private long last;

    Progress(Consumer<RunUpdate> out) {
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
      out.accept(
          RunUpdate.newBuilder()
              .setProgress(
                  ComputationProgress.newBuilder()
                      .setStage(stage.name().toLowerCase(Locale.ROOT))
                      .setRows(rows))
              .build());
    }
  }
}
