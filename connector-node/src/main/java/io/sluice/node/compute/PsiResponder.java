package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.KeyBinding;
import io.sluice.compute.PsiDuties;
import io.sluice.compute.RowStream;
import io.sluice.compute.SenderTables;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.RuntimeSession;
import io.sluice.compute.runtime.SessionKey;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.proto.v1.ComputationAccept;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.PsiAccept;
import io.sluice.proto.v1.PsiStart;
import io.sluice.psi.EcdhPsiSender;
import io.sluice.psi.LabelPsiSender;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiFrames;
import io.sluice.psi.PsiMode;
import io.sluice.psi.PsiOutcome;
import io.sluice.psi.PsiProgress;
import io.sluice.psi.PsiSenderResult;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * PSI on the data provider's node: the receiver's node opens the stream; this node decides on its
 * own, from its own store, whether the computation may run — the agreement, its consumer, the mode,
 * the key columns, the revealed columns, the number of keys — before it reads its dataset, and then
 * runs the sender's side.
 */
final class PsiResponder implements Responder {
  /** The longest the provider waits for any one frame of an admitted session. */
  static final Duration RECEIVE_TIMEOUT = Duration.ofMinutes(2);

  private final ComputeContext context;

  PsiResponder(ComputeContext context) {
    this.context = context;
  }

  @Override
  public SessionKey key(ComputationStart message) {
    PsiStart start = message.getPsi();
    SessionKey key = new SessionKey(start.getAgreementId(), start.getSessionId(), start.getMode());
    PsiKinds.mode(start.getMode());
    if (start.getReceiverRows() < 0 || start.getReceiverRows() > PsiConfig.MAX_ROWS) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "a session holds 0 to " + PsiConfig.MAX_ROWS + " keys per side");
    }
    ComputeContext.batchSize(start.getBatchSize());
    return key;
  }

  @Override
  public void describe(ComputationStart message, AuditEvent.Builder requested) {
    PsiStart start = message.getPsi();
    requested.detail("mode", start.getMode()).detail("receiverKeys", start.getReceiverRows());
  }

  /**
   * Everything this node decides on its own before data moves, in an order that tells a caller
   * nothing before it is judged: our agreement with this caller and the guard's verdict on mode,
   * key columns, revealed columns and key count; then the dataset and its key columns, the
   * session's configuration and, for psi-label, the table of the current epoch and content.
   */
  @Override
  public Responder.Admission admit(ComputationStart message, PeerIdentity caller) {
    PsiStart start = message.getPsi();
    PsiMode mode = PsiKinds.mode(start.getMode());
    NegotiationStore.StoredAgreement stored =
        context
            .store()
            .agreement(start.getAgreementId())
            .filter(a -> a.role() == Role.PROVIDER && a.consumerId().equals(caller.participant()))
            // the guard's words: whether the id exists elsewhere is not the caller's to learn
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.AGREEMENT_NOT_USABLE,
                        "no agreement "
                            + start.getAgreementId()
                            + " with "
                            + caller.participant()));
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
                    caller,
                    start.getSessionId()),
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
    // The expensive local step comes before the use is reserved: a table that cannot be built
    // costs the consumer nothing.
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
    builder.build(); // every session parameter checked before the use is reserved
    return new Admitted(judged, mode, dataset, keys, builder, table);
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

  /** A session the guard admitted, with everything it runs with. */
  private final class Admitted implements Responder.Admission {
    private final ComputeGuard.Judged judged;
    private final PsiMode mode;
    private final DatasetEntry dataset;
    private final KeyExtractor keys;
    private final PsiConfig.Builder config;
    private final SenderTables.Prepared table;
    private ComputeGuard.Permit permit;
    private String pendingNotice;

    Admitted(
        ComputeGuard.Judged judged,
        PsiMode mode,
        DatasetEntry dataset,
        KeyExtractor keys,
        PsiConfig.Builder config,
        SenderTables.Prepared table) {
      this.judged = judged;
      this.mode = mode;
      this.dataset = dataset;
      this.keys = keys;
      this.config = config;
      this.table = table;
    }

    @Override
    public long maxUses() {
      return judged.maxUses();
    }

    /**
     * The permit for the reserved use; with an inform duty, the violation that stands until the
     * notice of this use arrives is recorded now, with the use.
     */
    @Override
    public ComputationAccept accept(RuntimeSession session) {
      permit = context.guard().permit(judged, session.reservation());
      config.minResultGroupSize(permit.minResultGroupSize());
      pendingNotice =
          permit
              .duty("inform")
              .map(
                  d ->
                      context
                          .duties()
                          .record(
                              session.key().termsId(),
                              d.pointer(),
                              "use "
                                  + permit.useNumber()
                                  + " (session "
                                  + session.key().sessionId()
                                  + ") was not notified",
                              context.clock().instant()))
              .orElse(null);
      PsiAccept.Builder accept =
          PsiAccept.newBuilder()
              .setMinResultGroupSize(permit.minResultGroupSize())
              .setNoticeRequired(pendingNotice != null);
      if (table != null) {
        accept
            .setKeyEpoch(table.table().keyEpoch())
            .setPayloadSchemaJson(table.codec().schemaJson());
      }
      return ComputationAccept.newBuilder().setPsi(accept).build();
    }

    @Override
    public Optional<String> pendingNotice() {
      return Optional.ofNullable(pendingNotice);
    }

    @Override
    public Responder.Outcome run(RuntimeSession session, PeerChannel channel, SessionStop stop) {
      PsiSenderResult result = protocol(session, channel, stop);
      return new Responder.Outcome(
          result.outcome() == PsiOutcome.RELEASED,
          event ->
              event
                  .detail("receiverKeys", result.receiverKeys())
                  .detail("inputRows", result.input().rows())
                  .detail("skippedRows", result.input().skippedRows())
                  .detail("distinctKeys", result.input().distinctKeys()));
    }

    private PsiSenderResult protocol(
        RuntimeSession session, PeerChannel channel, SessionStop stop) {
      PsiConfig psi = config.build();
      var party = PsiFrames.over(channel, false);
      if (mode == PsiMode.LABEL) {
        LabelPsiSender sender =
            new LabelPsiSender(
                psi,
                party,
                session.allocator(),
                context.workers(),
                new SecureRandom(),
                PsiProgress.NONE,
                table.key(),
                table.table());
        stop.party(sender::cancel);
        return sender.run();
      }
      try (RowStream<byte[]> rows =
          RowStream.keys(dataset.source(), session.allocator(), psi.batchSize(), keys)) {
        EcdhPsiSender sender =
            new EcdhPsiSender(
                psi,
                party,
                session.allocator(),
                context.workers(),
                new SecureRandom(),
                PsiProgress.NONE);
        stop.party(sender::cancel);
        long count = DatasetProbe.probe(dataset.source(), session.allocator()).rowCount();
        return sender.run(count, rows);
      }
    }
  }
}
