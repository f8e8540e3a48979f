package io.sluice.node.compute;

import io.sluice.audit.AuditLog;
import io.sluice.catalog.Catalog;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.PayloadCodec;
import io.sluice.compute.RowStream;
import io.sluice.compute.SenderTables;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.data.DatasetInfo;
import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.psi.PsiConfig;
import io.sluice.psi.PsiMode;
import io.sluice.psi.SenderTable;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What both sides of a computation share on one node: its identity, stores, catalog, guard, audit
 * log, Arrow allocator, thread pools and the labelled-PSI tables built ahead of time.
 *
 * @param workers runs the parallel curve work of sessions (one thread per core)
 * @param sessions runs sender sessions, one thread each
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
    ExecutorService sessions,
    PeerChannels peers,
    SenderTables tables,
    Duration keyEpoch,
    int maxFrameBytes,
    long sessionMemoryLimit,
    Duration sessionDeadline) {

  public String self() {
    return identity.participant();
  }

  /** The mode named as agreements name it; anything else is an INVALID_ARGUMENT. */
  static PsiMode mode(String name) {
    for (PsiMode m : PsiMode.values()) {
      if (m.policyName().equals(name)) {
        return m;
      }
    }
    throw new SluiceException(
        ErrorCode.INVALID_ARGUMENT,
        "unknown PSI mode '" + name + "' (psi, psi-cardinality, psi-label)");
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

  /** Key columns as requested, checked against the dataset's schema. */
  static KeyExtractor keys(List<KeyColumn> columns, Schema schema) {
    if (columns.isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "no key columns were named");
    }
    List<KeyExtractor.KeyColumn> out = new ArrayList<>();
    for (KeyColumn c : columns) {
      boolean present =
          schema.getFields().stream().map(Field::getName).anyMatch(c.getName()::equals);
      if (!present) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "no key column '"
                + c.getName()
                + "' (columns: "
                + schema.getFields().stream().map(Field::getName).toList()
                + ")");
      }
      out.add(new KeyExtractor.KeyColumn(c.getName(), caseRule(c.getCaseRule())));
    }
    return KeyExtractor.of(out);
  }

  static KeyExtractor.CaseRule caseRule(String name) {
    return switch (name == null || name.isEmpty() ? "preserve" : name.toLowerCase(Locale.ROOT)) {
      case "preserve" -> KeyExtractor.CaseRule.PRESERVE;
      case "lower" -> KeyExtractor.CaseRule.LOWER;
      case "upper" -> KeyExtractor.CaseRule.UPPER;
      default ->
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT,
              "case rule must be preserve, lower or upper, not '" + name + "'");
    };
  }

  /**
   * The labelled-PSI table of the current key epoch for this agreement, dataset version and
   * columns: built once (the expensive OPRF evaluation of every row) and reused by the epoch's
   * sessions.
   */
  SenderTables.Prepared prepare(
      String agreementId,
      DatasetEntry dataset,
      DatasetInfo info,
      KeyExtractor keys,
      List<String> payloadColumns) {
    PayloadCodec codec = PayloadCodec.forColumns(info.schema(), payloadColumns);
    String epoch = SenderTables.epochOf(clock.instant(), keyEpoch);
    SenderTables.Key key =
        new SenderTables.Key(
            agreementId,
            epoch,
            List.of(dataset.source().describe(), info.rowCount(), info.schema().toJson()),
            keys.columns().stream().map(c -> c.name() + ":" + c.caseRule()).toList(),
            List.copyOf(payloadColumns));
    return tables.get(
        key,
        () -> {
          long t0 = System.nanoTime();
          OprfPrivateKey oprf = OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom());
          try (BufferAllocator a = allocator.newChildAllocator("psi-table", 0, sessionMemoryLimit);
              var rows =
                  RowStream.labelled(
                      dataset.source(), a, PsiConfig.DEFAULT_BATCH_SIZE, keys, codec)) {
            SenderTable table =
                SenderTable.build(
                    oprf, agreementId, epoch, info.rowCount(), rows, workers, new SecureRandom());
            return new SenderTables.Prepared(
                oprf, table, codec, (System.nanoTime() - t0) / 1_000_000);
          }
        });
  }

  /** A refusal's reason, short enough for an audit entry. */
  static String shortReason(SluiceException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    return m.length() <= 200 ? m : m.substring(0, 200);
  }
}
