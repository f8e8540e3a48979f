package io.sluice.compute;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.psi.SenderTable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The labelled-PSI tables a sender has built ahead of time, one per agreement, key epoch, key
 * columns, dataset content (its SHA-256, so an edited cell means a new table) and revealed columns,
 * each with the OPRF key of its epoch. Building a table is the expensive part (one OPRF evaluation
 * per sender row), so one build serves every session of its epoch (see docs/psi.md for what that
 * reuse reveals). The key never leaves memory: a restarted node builds a fresh table with a fresh
 * key. Concurrent requests for the same table wait for one build.
 */
public final class SenderTables {
  /**
   * What a table is for; equal keys share a table.
   *
   * @param keyColumns the agreement's key columns (canonical text)
   * @param contentDigest SHA-256 of the dataset's content when the table was requested
   */
  public record Key(
      String agreementId,
      String epoch,
      String keyColumns,
      String contentDigest,
      List<String> payloadColumns) {

    /** Whether a table for this key makes {@code older} useless: another epoch, or old content. */
    boolean supersedes(Key older) {
      if (!older.agreementId.equals(agreementId) || older.equals(this)) {
        return false;
      }
      return !older.epoch.equals(epoch)
          || (older.keyColumns.equals(keyColumns) && older.payloadColumns.equals(payloadColumns));
    }
  }

  /** A built table with its key and payload codec. */
  public record Prepared(
      OprfPrivateKey key, SenderTable table, PayloadCodec codec, long buildMillis) {}

  private final int capacity;
  private final Map<Key, CompletableFuture<Prepared>> tables = new LinkedHashMap<>();

  public SenderTables(int capacity) {
    this.capacity = capacity;
  }

  /** The table for {@code key}, built by {@code build} unless it exists or is being built. */
  public Prepared get(Key key, Supplier<Prepared> build) {
    CompletableFuture<Prepared> future;
    boolean mine = false;
    synchronized (tables) {
      future = tables.get(key);
      if (future == null || future.isCompletedExceptionally()) {
        future = new CompletableFuture<>();
        // a newer epoch of the same agreement, or newer content, replaces the older tables
        tables.keySet().removeIf(key::supersedes);
        tables.put(key, future);
        while (tables.size() > capacity) {
          tables.remove(tables.keySet().iterator().next());
        }
        mine = true;
      }
    }
    if (mine) {
      try {
        future.complete(build.get());
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
        synchronized (tables) {
          tables.remove(key);
        }
        throw e;
      }
    }
    try {
      return future.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /**
   * The key epoch containing {@code now}: epochs are consecutive intervals of {@code length} from
   * the Unix epoch, named by their start (e.g. {@code 20261129T000000Z}); an agreement never uses
   * an epoch's table past its own end because the agreement check comes first.
   */
  public static String epochOf(Instant now, Duration length) {
    long size = length.toMillis();
    long start = Math.floorDiv(now.toEpochMilli(), size) * size;
    return DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
        .withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(start));
  }
}
