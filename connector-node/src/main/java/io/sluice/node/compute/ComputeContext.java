package io.sluice.node.compute;

import io.sluice.audit.AuditLog;
import io.sluice.catalog.Catalog;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.DutyLedger;
import io.sluice.compute.KeyBinding;
import io.sluice.compute.PayloadCodec;
import io.sluice.compute.RowStream;
import io.sluice.compute.SenderTables;
import io.sluice.compute.runtime.ComputationRuntime;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.data.ContentDigest;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.SenderTable;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What both sides of a computation share on one node: its identity, stores, catalog, guard, audit
 * log, Arrow allocator, thread pools, the labelled-PSI tables built ahead of time, the duty ledger
 * and the limits.
 *
 * @param workers runs the parallel curve work of sessions (one thread per core)
 * @param sessions runs sessions, one thread each; bounded, it rejects a session beyond its size,
 *     and stops them all at shutdown
 * @param duties the duties this node found violated
 * @param timers runs the sessions' watchdogs (deadlines)
 * @param heads exchanges audit-log heads with the peer at the end of every computation
 * @param runtime opens every session: its use, allocator and deadline
 */
public record ComputeContext(
    PeerIdentity identity,
    NegotiationStore store,
    ComputeGuard guard,
    Catalog catalog,
    AuditLog audit,
    Clock clock,
    BufferAllocator allocator,
    ExecutorService workers,
    ComputeSessions sessions,
    PeerChannels peers,
    SenderTables tables,
    DutyLedger duties,
    java.util.concurrent.ScheduledExecutorService timers,
    HeadExchange heads,
    ComputationRuntime runtime,
    Limits limits) {

  /**
   * The bounds of one session.
   *
   * @param keyEpoch how long one psi-label table (and its OPRF key) serves
   * @param maxFrameBytes the largest PSI frame
   * @param startTimeout how long a peer has to name its computation after opening a stream
   */
  public record Limits(Duration keyEpoch, int maxFrameBytes, Duration startTimeout) {}

  public String self() {
    return identity.participant();
  }

  int maxFrameBytes() {
    return limits.maxFrameBytes();
  }

  /** The Arrow memory one session may hold: the runtime's limit, also for local reads. */
  long sessionMemoryLimit() {
    return runtime.limits().sessionMemoryLimit();
  }

  /** How long one session may run: the runtime's deadline, also the stream's. */
  Duration sessionDeadline() {
    return runtime.limits().sessionDeadline();
  }

  Duration startTimeout() {
    return limits.startTimeout();
  }

  /**
   * Exchanges audit-log heads with the peer at a computation's end; returns the verdict for the
   * session's end entry. The computation is over by then: a failed exchange is recorded in that
   * verdict, not as a failure — except that an audit log that cannot record stops everything.
   */
  String exchangeHeads(boolean receiver, ControlChannel channel, String peer, String traceId) {
    try {
      var check =
          receiver
              ? heads.asReceiver(channel, peer, traceId)
              : heads.asSender(channel, peer, traceId);
      return check.verdict().name().toLowerCase(java.util.Locale.ROOT);
    } catch (SluiceException e) {
      if (e.code() == ErrorCode.AUDIT_APPEND_FAILED) {
        throw e;
      }
      org.slf4j.LoggerFactory.getLogger(ComputeContext.class)
          .info("no audit heads exchanged with {}: {}", peer, e.getMessage());
      return "not exchanged";
    }
  }

  static int batchSize(int requested) {
    if (requested <= 0) {
      return PsiConfig.DEFAULT_BATCH_SIZE;
    }
    if (requested > PsiConfig.MAX_BATCH_SIZE) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "batch size above " + PsiConfig.MAX_BATCH_SIZE);
    }
    return requested;
  }

  /**
   * The labelled-PSI table of the current key epoch for this agreement, key, dataset content and
   * columns: built once (the expensive OPRF evaluation of every distinct key) and reused by the
   * epoch's sessions while the content stays the same. The content is digested before the build and
   * again after it; a dataset that changed meanwhile is refused (CONFLICT), never served from a
   * table of other content.
   */
  SenderTables.Prepared prepare(
      String agreementId, DatasetEntry dataset, String keyColumns, List<String> payloadColumns) {
    DatasetInfo info = catalog.info(dataset.id()).orElseThrow();
    KeyExtractor keys = KeyBinding.provider(keyColumns, info.schema());
    PayloadCodec codec = PayloadCodec.forColumns(info.schema(), payloadColumns);
    String epoch = SenderTables.epochOf(clock.instant(), limits.keyEpoch());
    String digest = ContentDigest.of(dataset.source(), allocator);
    SenderTables.Key key =
        new SenderTables.Key(agreementId, epoch, keyColumns, digest, List.copyOf(payloadColumns));
    return tables.get(key, () -> build(key, dataset, keys, codec));
  }

  private SenderTables.Prepared build(
      SenderTables.Key key, DatasetEntry dataset, KeyExtractor keys, PayloadCodec codec) {
    long t0 = System.nanoTime();
    OprfPrivateKey oprf = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
    SenderTable table;
    try (BufferAllocator a = allocator.newChildAllocator("psi-table", 0, sessionMemoryLimit())) {
      // The row count is read now, not taken from the catalog: the table never trusts a stale one.
      long count = DatasetProbe.probe(dataset.source(), a).rowCount();
      try (var rows =
          RowStream.labelled(dataset.source(), a, PsiConfig.DEFAULT_BATCH_SIZE, keys, codec)) {
        table =
            SenderTable.build(
                oprf,
                key.agreementId(),
                key.epoch(),
                key.keyColumns(),
                count,
                rows,
                workers,
                new SecureRandom());
      }
    }
    if (!ContentDigest.of(dataset.source(), allocator).equals(key.contentDigest())) {
      throw new SluiceException(
          ErrorCode.CONFLICT,
          "dataset " + dataset.id() + " changed while its psi-label table was built; try again");
    }
    return new SenderTables.Prepared(oprf, table, codec, (System.nanoTime() - t0) / 1_000_000);
  }

  /** A refusal's reason, short enough for an audit entry. */
  static String shortReason(SluiceException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    return m.length() <= 200 ? m : m.substring(0, 200);
  }
}
