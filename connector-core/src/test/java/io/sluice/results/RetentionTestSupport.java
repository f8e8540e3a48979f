package io.sluice.results;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditFixtures;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditLogConfig;
import io.sluice.audit.EventType;
import io.sluice.error.SluiceException;
import io.sluice.policy.eval.Obligation;
import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import io.sluice.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A retention service on a fresh SQLite store and audit log, with a clock tests move. */
abstract class RetentionTestSupport {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final String SELF = "sluice://health/insurer-a";
  static final Duration GRACE = Duration.ofHours(1);

  /** A value in every result file: it must never reach the audit log. */
  static final String SECRET = "NATIONAL-ID-7301015555";

  @RegisterExtension final TestDatabases.Store stores = TestDatabases.sqlite();
  @TempDir Path dir;

  final MutableClock clock = new MutableClock(T0);
  Database db;
  AuditLog audit;
  ResultStore store;
  ResultRetention retention;

  @BeforeEach
  void openRetention() {
    db = stores.open();
    audit = AuditLog.open(db, AuditFixtures.nodeSigner(), AuditLogConfig.defaults(), clock);
    store = new JdbcResultStore(db);
    retention = new ResultRetention(store, audit, SELF, clock, GRACE);
  }

  @AfterEach
  void closeAudit() {
    audit.close();
  }

  /** A small CSV result at {@code dir/name}. */
  Path output(String name) {
    Path file = dir.resolve(name);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file, "national_id,settled_amount\n" + SECRET + ",1250\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  ResultRecord register(String agreement, Path output, Optional<Obligation> duty) {
    return retention.register(agreement, "session-1", "trace-1", output, 1, duty);
  }

  ResultRecord register(String agreement, String name, String retention) {
    return register(agreement, output(name), Optional.of(Duties.delete(retention)));
  }

  /** The stored audit events of {@code type}, in log order. */
  List<AuditEvent> events(EventType type) {
    return events().stream().filter(e -> e.type() == type).toList();
  }

  List<AuditEvent> events() {
    try {
      audit.flush().join();
    } catch (SluiceException e) {
      // a closed log stored everything before it closed
    }
    return audit.store().entries(0, 10_000).stream().map(AuditEntry::event).toList();
  }

  ResultRecord stored(ResultRecord r) {
    return store.find(r.id()).orElseThrow();
  }
}
