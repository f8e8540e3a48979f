package io.sluice.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditFixtures;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditLogConfig;
import io.sluice.audit.EventType;
import io.sluice.store.Database;
import io.sluice.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One contract for the release journal on SQLite and PostgreSQL: releases survive a restart, and
 * {@link ReleaseJournal#recover} settles each kind of release a crash can interrupt.
 */
abstract class ReleaseJournalContractTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final String SELF = "insurer-a";

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(T0);

  abstract Database open();

  private ReleaseJournal.Release release(String session, String file) {
    return new ReleaseJournal.Release(
        session, "agreement-1", "trace-" + session, dir.resolve(file), T0);
  }

  @Test
  void releasesInProgressSurviveARestartUntilTheyEnd() {
    try (Database db = open();
        AuditLog audit = log(db)) {
      ReleaseJournal journal = journal(db, audit);
      journal.begin(release("s1", "a.csv"));
      journal.begin(release("s2", "b.csv"));
      journal.end("s2");
    }
    try (Database db = open();
        AuditLog audit = log(db)) {
      assertThat(journal(db, audit).pending()).containsExactly(release("s1", "a.csv"));
    }
  }

  @Test
  void aStartSettlesEveryReleaseACrashInterrupted() throws IOException {
    try (Database db = open();
        AuditLog audit = log(db)) {
      ReleaseJournal journal = journal(db, audit);
      ResultRetention retention =
          new ResultRetention(new JdbcResultStore(db), audit, SELF, clock, java.time.Duration.ZERO);
      // 1: the crash came after the registration, before the journal's end
      journal.begin(release("registered", "registered.csv"));
      released(audit, "registered");
      Files.writeString(dir.resolve("registered.csv"), "x\n1\n");
      retention.register(
          "agreement-1",
          "registered",
          "trace-registered",
          dir.resolve("registered.csv"),
          1,
          Optional.empty());
      // 2: after the rename, before the registration: the complete file, never registered
      journal.begin(release("renamed", "renamed.csv"));
      released(audit, "renamed");
      Files.writeString(dir.resolve("renamed.csv"), "x\n1\n");
      // 3: while writing: only the writer's temporary file
      journal.begin(release("writing", "writing.csv"));
      released(audit, "writing");
      Files.writeString(dir.resolve(".writing.csv.123.partial"), "x\n");
      // 4: before RESULT_RELEASED was stored
      journal.begin(release("unrecorded", "unrecorded.csv"));
      // someone else's file that merely looks alike stays
      Files.writeString(dir.resolve(".writing.csv.notes"), "mine");
      audit.flush().join();
    }
    try (Database db = open();
        AuditLog audit = log(db)) {
      ReleaseJournal journal = journal(db, audit);
      List<ReleaseJournal.Interrupted> found = journal.recover();
      assertThat(found)
          .extracting(
              i -> i.release().sessionId(), ReleaseJournal.Interrupted::recorded, i -> i.found())
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(
                  "renamed", true, ReleaseJournal.Found.UNREGISTERED),
              org.assertj.core.groups.Tuple.tuple("writing", true, ReleaseJournal.Found.PARTIAL),
              org.assertj.core.groups.Tuple.tuple(
                  "unrecorded", false, ReleaseJournal.Found.NOTHING));
      assertThat(journal.pending()).isEmpty();
      assertThat(dir.resolve("registered.csv")).exists();
      assertThat(dir.resolve("renamed.csv")).doesNotExist();
      assertThat(dir.resolve(".writing.csv.123.partial")).doesNotExist();
      assertThat(dir.resolve(".writing.csv.notes")).exists();
      List<AuditEvent> events =
          audit.store().entries(0, 1000).stream()
              .map(AuditEntry::event)
              .filter(e -> e.type() == EventType.RESULT_RELEASE_INTERRUPTED)
              .toList();
      assertThat(events).hasSize(3);
      assertThat(events)
          .filteredOn(e -> e.sessionId().equals("renamed"))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.traceId()).isEqualTo("trace-renamed");
                assertThat(e.detailsJson())
                    .isEqualTo(
                        "{\"file\":\"renamed.csv\",\"found\":\"unregistered\",\"released\":true}");
              });
      assertThat(found.get(0).describe())
          .contains("when the node stopped")
          .contains("run the computation again");
      assertThat(journal.recover()).as("a second start finds nothing").isEmpty();
    }
  }

  private void released(AuditLog audit, String session) {
    audit
        .append(
            AuditEvent.builder(EventType.RESULT_RELEASED)
                .time(clock.instant())
                .actor(SELF)
                .traceId("trace-" + session)
                .sessionId(session)
                .agreementId("agreement-1")
                .build())
        .join();
  }

  private AuditLog log(Database db) {
    return AuditLog.open(db, AuditFixtures.nodeSigner(), AuditLogConfig.defaults(), clock);
  }

  private ReleaseJournal journal(Database db, AuditLog audit) {
    return new ReleaseJournal(db, new JdbcResultStore(db), audit, SELF, clock);
  }
}
