package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import io.sluice.testing.MutableClock;
import java.security.cert.X509Certificate;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The audit log's behaviour on every store; run against SQLite and PostgreSQL. */
abstract class AuditLogContractTest {
  static final Instant START = Instant.parse("2025-06-01T08:00:00Z");

  /** Opens this test's store; each call opens the same store again (a restart). */
  abstract Database open();

  private final MutableClock clock = new MutableClock(START);
  private final SplittableRandom random = new SplittableRandom(42);
  private long counter;

  private AuditLog openLog(Database database, AuditLogConfig config) {
    return AuditLog.open(database, AuditFixtures.nodeSigner(), config, clock);
  }

  private static AuditLogConfig config() {
    return AuditLogConfig.defaults().withSignInterval(Duration.ofHours(1));
  }

  private AuditEvent nextEvent() {
    return AuditFixtures.event(random, clock.instant().plusMillis(counter), counter++);
  }

  private static AuditVerification verify(Database database) {
    return new AuditVerifier(List.of(AuditFixtures.nodeSigner().certificate())).verify(database);
  }

  @Test
  void appendsGetConsecutiveSequenceNumbersAndReadBackEqual() {
    Database database = open();
    List<AuditEvent> events = new ArrayList<>();
    List<CompletableFuture<Long>> sequences = new ArrayList<>();
    try (AuditLog log = openLog(database, config())) {
      for (int i = 0; i < 25; i++) {
        AuditEvent event = nextEvent();
        events.add(event);
        sequences.add(log.append(event));
      }
      for (int i = 0; i < sequences.size(); i++) {
        assertThat(sequences.get(i).join()).isEqualTo(i);
      }
      assertThat(log.size()).isEqualTo(25);
      List<AuditEntry> stored = log.store().entries(0, 100);
      assertThat(stored).hasSize(25);
      for (int i = 0; i < stored.size(); i++) {
        assertThat(stored.get(i).sequence()).isEqualTo(i);
        assertThat(stored.get(i).event()).isEqualTo(events.get(i));
      }
      assertThat(log.store().entries(20, 3))
          .extracting(AuditEntry::sequence)
          .containsExactly(20L, 21L, 22L);
    }
  }

  @Test
  void storesEveryCharacterOfTextAndBytesExactly() {
    Database database = open();
    AuditEvent tricky =
        AuditEvent.builder(EventType.CONFIG_CHANGED)
            .time(START)
            .actor("operator\\ops \"root\" Zürich €")
            .traceId("tab\\t-not-a-tab")
            .digest(new byte[] {0, '\\', '\t', '\n', (byte) 0xff})
            .detail("path", "C:\\conf\\node.yaml")
            .detail("note", "line1\nline2\ttabbed \u0000 nul \uD83D\uDE00")
            .build();
    try (AuditLog log = openLog(database, config())) {
      assertThat(log.append(tricky).join()).isZero();
      assertThat(log.store().entries(0, 1).get(0).event()).isEqualTo(tricky);
    }
    assertThat(verify(database).ok()).isTrue();
  }

  @Test
  void findsTheEntriesOfATrace() {
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      List<Long> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        AuditEvent event = nextEvent();
        long seq = log.append(event).join();
        if (event.traceId().equals("trace-3")) {
          expected.add(seq);
        }
      }
      assertThat(expected).isNotEmpty();
      assertThat(log.store().entriesByTrace("trace-3"))
          .extracting(AuditEntry::sequence)
          .containsExactlyElementsOf(expected);
    }
  }

  @Test
  void writesBigBatchesInFewTransactionsAndTheResultVerifies() {
    Database database = open();
    try (AuditLog log = openLog(database, config().withMaxBatchSize(1000))) {
      List<CompletableFuture<Long>> all = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        all.add(log.append(nextEvent()));
      }
      log.flush().join();
      assertThat(all).allMatch(CompletableFuture::isDone);
      assertThat(log.size()).isEqualTo(5000);
    }
    AuditVerification result = verify(database);
    assertThat(result.ok()).as(result.toString()).isTrue();
    assertThat(result.entries()).isEqualTo(5000);
  }

  @Test
  void signsAHeadWheneverEnoughEntriesAreUnsigned() {
    Database database = open();
    int every = 100;
    int batch = 16;
    try (AuditLog log =
        openLog(database, config().withSignEveryEntries(every).withMaxBatchSize(batch))) {
      for (int i = 0; i < 1000; i++) {
        log.append(nextEvent());
      }
      log.flush().join();
      List<SignedTreeHead> heads = log.store().heads();
      assertThat(heads).hasSizeGreaterThanOrEqualTo(1000 / (every + batch));
      long previous = 0;
      for (SignedTreeHead head : heads) {
        long gap = head.head().size() - previous;
        assertThat(gap).isBetween((long) every, (long) every + batch - 1);
        assertThat(head.verify(AuditFixtures.nodeSigner().certificate())).isTrue();
        previous = head.head().size();
      }
      assertThat(log.size() - previous).isLessThan(every);
    }
  }

  @Test
  void signsAHeadAtCloseCoveringEveryEntry() {
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      for (int i = 0; i < 7; i++) {
        log.append(nextEvent());
      }
      assertThat(log.store().heads()).isEmpty();
    }
    AuditStore store = new AuditStore(database);
    SignedTreeHead head = store.latestHead().orElseThrow();
    assertThat(head.head().size()).isEqualTo(7);
    assertThat(head.head().rootHash()).isEqualTo(store.rootAt(7));
    assertThat(head.verify(AuditFixtures.nodeSigner().certificate())).isTrue();
    assertThat(head.head().timestamp()).isEqualTo(START);
  }

  @Test
  void signsAHeadOnceTheIntervalHasPassedByTheClock() {
    Database database = open();
    try (AuditLog log = openLog(database, config().withSignInterval(Duration.ofMinutes(5)))) {
      log.append(nextEvent());
      log.append(nextEvent());
      assertThat(log.tick().join()).isEmpty();
      clock.advance(Duration.ofMinutes(4));
      assertThat(log.tick().join()).isEmpty();
      clock.advance(Duration.ofMinutes(1));
      SignedTreeHead head = log.tick().join().orElseThrow();
      assertThat(head.head().size()).isEqualTo(2);
      assertThat(head.head().timestamp()).isEqualTo(START.plus(Duration.ofMinutes(5)));
      // Nothing new: no new head, however much time passes.
      clock.advance(Duration.ofHours(1));
      assertThat(log.tick().join()).contains(head);
      assertThat(log.store().heads()).containsExactly(head);
    }
  }

  @Test
  void aHeadsTimeNeverGoesBackEvenIfTheClockDoes() {
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      log.append(nextEvent());
      SignedTreeHead first = log.signHead().join().orElseThrow();
      clock.set(START.minus(Duration.ofDays(1)));
      log.append(nextEvent());
      SignedTreeHead second = log.signHead().join().orElseThrow();
      assertThat(second.head().timestamp()).isEqualTo(first.head().timestamp());
      assertThat(second.head().size()).isEqualTo(2);
    }
  }

  @Test
  void inclusionAndConsistencyProofsVerifyAgainstEverySignedHead() {
    Database database = open();
    List<AuditEntry> entries = new ArrayList<>();
    try (AuditLog log = openLog(database, config().withSignEveryEntries(97).withMaxBatchSize(10))) {
      List<AuditEvent> events = new ArrayList<>();
      List<CompletableFuture<Long>> sequences = new ArrayList<>();
      for (int i = 0; i < 700; i++) {
        events.add(nextEvent());
        sequences.add(log.append(events.get(i)));
      }
      for (int i = 0; i < 700; i++) {
        entries.add(new AuditEntry(sequences.get(i).join(), events.get(i)));
      }
    }
    AuditStore store = new AuditStore(database);
    List<SignedTreeHead> heads = store.heads();
    assertThat(heads.get(heads.size() - 1).head().size()).isEqualTo(700);
    TreeHead previous = null;
    for (SignedTreeHead signed : heads) {
      TreeHead head = signed.head();
      for (int k = 0; k < 5; k++) {
        int index = random.nextInt((int) head.size());
        byte[] leaf = entries.get(index).leafHash();
        assertThat(
                MerkleVerifier.verifyInclusion(
                    index, leaf, store.inclusionProof(index, head.size()), head))
            .isTrue();
        int other = (index + 1) % (int) head.size();
        if (other != index) {
          assertThat(
                  MerkleVerifier.verifyInclusion(
                      other, leaf, store.inclusionProof(other, head.size()), head))
              .isFalse();
        }
      }
      if (previous != null) {
        assertThat(
                MerkleVerifier.verifyConsistency(
                    previous, head, store.consistencyProof(previous.size(), head.size())))
            .isTrue();
      }
      previous = head;
    }
  }

  @Test
  void aRestartContinuesTheSameTree() {
    List<AuditEntry> entries = new ArrayList<>();
    try (Database database = open();
        AuditLog log = openLog(database, config())) {
      for (int i = 0; i < 50; i++) {
        AuditEvent event = nextEvent();
        entries.add(new AuditEntry(log.append(event).join(), event));
      }
    }
    SignedTreeHead first;
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      first = log.latestHead().orElseThrow();
      assertThat(first.head().size()).isEqualTo(50);
      assertThat(log.size()).isEqualTo(50);
      for (int i = 0; i < 30; i++) {
        AuditEvent event = nextEvent();
        entries.add(new AuditEntry(log.append(event).join(), event));
      }
    }
    AuditStore store = new AuditStore(database);
    assertThat(store.entries(0, 1000)).containsExactlyElementsOf(entries);
    SignedTreeHead last = store.latestHead().orElseThrow();
    assertThat(last.head().size()).isEqualTo(80);
    assertThat(
            MerkleVerifier.verifyConsistency(
                first.head(), last.head(), store.consistencyProof(50, 80)))
        .isTrue();
    assertThat(verify(database).ok()).isTrue();
  }

  @Test
  void refusesToOpenALogWhoseEntriesWereEdited() throws Exception {
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      for (int i = 0; i < 20; i++) {
        log.append(nextEvent());
      }
    }
    database.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE audit_entries SET actor = 'sluice://health/mallory' WHERE seq = 13")) {
            return s.executeUpdate();
          }
        });
    assertThatThrownBy(() -> openLog(database, config()))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("entry 13 was changed")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.AUDIT_LOG_TAMPERED);
  }

  @Test
  void refusesToOpenALogSignedByAnUnknownKeyButAcceptsAPreviousCertificate() {
    Database database = open();
    try (AuditLog log = AuditLog.open(database, AuditFixtures.otherSigner(), config(), clock)) {
      log.append(nextEvent());
    }
    assertThatThrownBy(() -> openLog(database, config()))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("not trusted");
    X509Certificate previous = AuditFixtures.otherSigner().certificate();
    try (AuditLog log = openLog(database, config().withPreviousSigners(List.of(previous)))) {
      log.append(nextEvent());
    }
    AuditVerification result =
        new AuditVerifier(List.of(previous, AuditFixtures.nodeSigner().certificate()))
            .verify(database);
    assertThat(result.ok()).as(result.toString()).isTrue();
    assertThat(result.heads()).isEqualTo(2);
  }

  @Test
  void manyThreadsAppendingGetEveryEntryStoredExactlyOnceInOrder() throws Exception {
    Database database = open();
    int threads = 8;
    int perThread = 1500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try (AuditLog log =
        openLog(
            database,
            config().withQueueCapacity(64).withMaxBatchSize(128).withSignEveryEntries(500))) {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  List<CompletableFuture<Long>> mine = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    mine.add(
                        log.append(
                            AuditEvent.builder(EventType.FRAME_RECEIVED)
                                .time(START)
                                .actor("sluice://health/fund")
                                .traceId("thread-" + thread)
                                .detail("thread", thread)
                                .detail("i", i)
                                .build()));
                  }
                  List<Long> sequences = new ArrayList<>();
                  for (CompletableFuture<Long> f : mine) {
                    sequences.add(f.join());
                  }
                  return sequences;
                }));
      }
      start.countDown();
      Map<Long, String> owners = new HashMap<>();
      for (int t = 0; t < threads; t++) {
        List<Long> sequences = results.get(t).get();
        // One thread's appends keep their order.
        assertThat(sequences).isSorted().doesNotHaveDuplicates();
        for (int i = 0; i < sequences.size(); i++) {
          assertThat(owners.put(sequences.get(i), t + ":" + i)).isNull();
        }
      }
      log.flush().join();
      List<AuditEntry> stored = log.store().entries(0, threads * perThread + 10);
      assertThat(stored).hasSize(threads * perThread);
      for (int s = 0; s < stored.size(); s++) {
        AuditEntry entry = stored.get(s);
        assertThat(entry.sequence()).isEqualTo(s);
        var details = entry.event().details();
        assertThat(owners.get(entry.sequence()))
            .isEqualTo(details.get("thread").asInt() + ":" + details.get("i").asInt());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(verify(database).ok()).isTrue();
  }

  @Test
  void appendsAfterCloseAreRefused() {
    Database database = open();
    AuditLog log = openLog(database, config());
    log.append(nextEvent()).join();
    log.close();
    log.close();
    assertThatThrownBy(() -> log.append(nextEvent()))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(new AuditStore(database).size()).isEqualTo(1);
  }

  @Test
  void aFailedBatchUsesNoSequenceNumbersAndTheLogGoesOn() {
    Database database = open();
    try (AuditLog log = openLog(database, config())) {
      log.append(nextEvent()).join();
      // Make the next insert fail: a row already holds sequence number 1.
      database.runInTransaction(
          c ->
              c.createStatement()
                  .executeUpdate(
                      "INSERT INTO audit_entries SELECT 1, event_time, event_type, trace_id,"
                          + " session_id, actor, counterparty, agreement_id, digest, details, leaf_hash"
                          + " FROM audit_entries WHERE seq = 0"));
      CompletableFuture<Long> failed = log.append(nextEvent());
      assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class);
      database.runInTransaction(
          c -> c.createStatement().executeUpdate("DELETE FROM audit_entries WHERE seq = 1"));
      assertThat(log.append(nextEvent()).join()).isEqualTo(1);
      assertThat(log.signHead().join().map(h -> h.head().size())).isEqualTo(Optional.of(2L));
    }
    assertThat(verify(database).ok()).isTrue();
  }

  @Test
  void anEntryTheStoreRefusesFailsAloneAndTheRestOfItsBatchIsStored() {
    Database database = open();
    String refuse =
        database.dialect() == io.sluice.store.Dialect.SQLITE
            ? "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries"
                + " WHEN NEW.event_type = 'HANDSHAKE_REFUSED' BEGIN SELECT RAISE(ABORT, 'full'); END"
            : "ALTER TABLE audit_entries ADD CONSTRAINT refuse"
                + " CHECK (event_type <> 'HANDSHAKE_REFUSED')";
    try (AuditLog log = openLog(database, config())) {
      database.runInTransaction(c -> c.createStatement().executeUpdate(refuse));
      List<CompletableFuture<Long>> fine = new ArrayList<>();
      List<CompletableFuture<Long>> refused = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        fine.add(log.append(nextEvent())); // queued together: batches mix both kinds
        if (i % 500 == 0) {
          refused.add(
              log.append(
                  AuditEvent.builder(EventType.HANDSHAKE_REFUSED)
                      .time(Instant.parse("2026-03-01T10:00:00Z"))
                      .actor("fund")
                      .build()));
        }
      }
      for (CompletableFuture<Long> f : refused) {
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class);
      }
      List<Long> sequences = fine.stream().map(CompletableFuture::join).toList();
      assertThat(sequences)
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 2_000).boxed().toList());
    }
    assertThat(verify(database).ok()).isTrue();
  }
}
