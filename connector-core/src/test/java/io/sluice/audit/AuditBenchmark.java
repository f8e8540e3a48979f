package io.sluice.audit;

import io.sluice.store.Database;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the audit log: sustained appends per second while frames stream (on SQLite, and on
 * PostgreSQL when {@code SLUICE_TEST_PG_URL} is set), and the time to verify a log of a million
 * entries on SQLite. Not a unit test; run by hand, e.g.
 *
 * <pre>
 * java -Xmx1g -cp connector-core/target/classes:connector-core/target/test-classes:$(cat cp.txt) \
 *   io.sluice.audit.AuditBenchmark [sqliteEntries] [postgresEntries] [producers]
 * </pre>
 *
 * Producers model the data path: each builds frame events whose SHA-256 it computes over 1 KiB of
 * frame bytes (90% of events are frames, the rest other kinds), and appends them; the figure is
 * entries per second from the first append until all are durable. It also reports how long one
 * {@code append} call took (the time the data path is held up). Exits with status 1 if a log does
 * not verify.
 */
public final class AuditBenchmark {
  private AuditBenchmark() {}

  public static void main(String[] args) throws Exception {
    int sqliteEntries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int postgresEntries = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    int producers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    System.out.printf(
        "cpus=%d java=%s producers=%d%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), producers);
    boolean ok = true;

    Path dir = Files.createTempDirectory("sluice-audit-bench-");
    String sqliteUrl = "jdbc:sqlite:" + dir.resolve("audit.db");
    try (Database database = Database.open(sqliteUrl)) {
      appends("sqlite", database, sqliteEntries, producers);
      ok &= verify("sqlite", database);
    }
    try (Database database = Database.open(sqliteUrl)) {
      long t0 = System.nanoTime();
      try (AuditLog log =
          AuditLog.open(
              database, AuditFixtures.nodeSigner(), AuditLogConfig.defaults(), Clock.systemUTC())) {
        System.out.printf("sqlite: open (verifies %d entries first): %d ms%n", log.size(), ms(t0));
      }
    }
    String pg = System.getenv("SLUICE_TEST_PG_URL");
    if (pg != null && !pg.isBlank() && postgresEntries > 0) {
      String schema = "sluice_bench_" + Long.toHexString(System.nanoTime());
      String url = pg + (pg.contains("?") ? "&" : "?") + "currentSchema=" + schema;
      try (Database database = Database.open(url)) {
        appends("postgresql", database, postgresEntries, producers);
        ok &= verify("postgresql", database);
        database.runInTransaction(
            c -> c.createStatement().executeUpdate("DROP SCHEMA " + schema + " CASCADE"));
      }
    } else {
      System.out.println("postgresql: skipped, SLUICE_TEST_PG_URL is not set");
    }
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
    System.exit(ok ? 0 : 1);
  }

  private static void appends(String name, Database database, int entries, int producers)
      throws Exception {
    AuditLogConfig config = AuditLogConfig.defaults();
    try (AuditLog log =
        AuditLog.open(database, AuditFixtures.nodeSigner(), config, Clock.systemUTC())) {
      long[][] latencies = new long[producers][];
      AtomicLong sequence = new AtomicLong();
      Thread[] threads = new Thread[producers];
      long t0 = System.nanoTime();
      for (int p = 0; p < producers; p++) {
        int producer = p;
        int share = entries / producers + (p < entries % producers ? 1 : 0);
        threads[p] =
            new Thread(
                () -> latencies[producer] = produce(log, share, producer, sequence),
                "producer-" + p);
        threads[p].start();
      }
      for (Thread thread : threads) {
        thread.join();
      }
      log.flush().join();
      long elapsed = System.nanoTime() - t0;
      long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
      System.out.printf(
          "%s: %d appends in %d ms = %.0f appends/s; append() call p50 %.1f us, p99 %.1f us,"
              + " p99.9 %.1f us, max %.1f ms; %d signed heads%n",
          name,
          entries,
          elapsed / 1_000_000,
          entries / (elapsed / 1e9),
          all[all.length / 2] / 1e3,
          all[(int) (all.length * 0.99)] / 1e3,
          all[(int) (all.length * 0.999)] / 1e3,
          all[all.length - 1] / 1e6,
          log.store().heads().size());
    }
  }

  private static long[] produce(AuditLog log, int count, int producer, AtomicLong sequence) {
    SplittableRandom random = new SplittableRandom(producer);
    byte[] frame = new byte[1024];
    long[] latencies = new long[count];
    CompletableFuture<Long> last = null;
    for (int i = 0; i < count; i++) {
      random.nextBytes(frame);
      long n = sequence.getAndIncrement();
      AuditEvent event;
      if (random.nextInt(10) < 9) {
        event =
            AuditEvent.builder(i % 2 == 0 ? EventType.FRAME_SENT : EventType.FRAME_RECEIVED)
                .time(Instant.now())
                .traceId("trace-" + producer)
                .sessionId("session-" + producer)
                .actor("sluice://health/fund")
                .counterparty("sluice://health/insurer")
                .agreementId("agreement-1")
                .frame(
                    "stream-" + producer,
                    i,
                    64,
                    frame.length,
                    AuditEvent.sha256(ByteBuffer.wrap(frame)))
                .build();
      } else {
        event = AuditFixtures.event(random, Instant.now(), n);
      }
      long t0 = System.nanoTime();
      last = log.append(event);
      latencies[i] = System.nanoTime() - t0;
    }
    if (last != null) {
      last.join();
    }
    return latencies;
  }

  private static boolean verify(String name, Database database) {
    AuditVerifier verifier = new AuditVerifier(List.of(AuditFixtures.nodeSigner().certificate()));
    long t0 = System.nanoTime();
    AuditVerification result = verifier.verify(database);
    System.out.printf("%s: verify: %s in %d ms%n", name, result, ms(t0));
    return result.ok();
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
