package io.sluice.results;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.audit.EventType;
import io.sluice.store.Database;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results a consumer's node is in the middle of releasing, so that a crash between a release's
 * audit record and the registration of its file is found at the next start (table {@code
 * result_releases}).
 *
 * <p>A release goes: {@link #begin} (stored), {@code RESULT_RELEASED} (durable in the audit log),
 * the output written under a temporary name and renamed into place, its registration with {@link
 * ResultRetention} ({@code RESULT_KEPT}), then {@link #end}. So the file never exists before its
 * release is on record. {@link #recover}, before the node serves, looks at each release still in
 * the journal: one that was registered is simply ended; for any other, a complete file that was
 * never registered for deletion is deleted (it would escape the agreement's delete duty), as are
 * the writer's temporary files, and the node records {@code RESULT_RELEASE_INTERRUPTED} and says so
 * in its log.
 */
public final class ReleaseJournal {
  private static final Logger log = LoggerFactory.getLogger(ReleaseJournal.class);

  /** A release in progress. */
  public record Release(
      String sessionId, String agreementId, String traceId, Path output, Instant startedAt) {
    public Release {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(agreementId, "agreementId");
      Objects.requireNonNull(traceId, "traceId");
      output = output.toAbsolutePath().normalize();
    }
  }

  /** What a start found of a release a crash interrupted. */
  public enum Found {
    /** Neither the output nor a temporary file of it. */
    NOTHING,
    /** A temporary file of the output (deleted). */
    PARTIAL,
    /** The complete output, never registered for deletion (deleted). */
    UNREGISTERED;

    String term() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A release found interrupted at start.
   *
   * @param recorded whether its {@code RESULT_RELEASED} entry is in the audit log
   */
  public record Interrupted(Release release, boolean recorded, Found found) {
    /** One line for the node's log. */
    public String describe() {
      String name = release.output().getFileName().toString();
      String what =
          switch (found) {
            case NOTHING -> "its file " + name + " is missing";
            case PARTIAL -> "only a partial " + name + " was written (deleted now)";
            case UNREGISTERED ->
                "its file " + name + " was never registered for deletion (deleted now)";
          };
      return "the result of computation "
          + release.traceId()
          + " (session "
          + release.sessionId()
          + ") was "
          + (recorded ? "released" : "being released")
          + " when the node stopped, but "
          + what
          + "; run the computation again";
    }
  }

  private final Database db;
  private final ResultStore results;
  private final AuditLog audit;
  private final String self;
  private final Clock clock;

  public ReleaseJournal(
      Database db, ResultStore results, AuditLog audit, String self, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.results = Objects.requireNonNull(results, "results");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.self = Objects.requireNonNull(self, "self");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Records a release about to start (before its audit record). */
  public void begin(Release r) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO result_releases"
                      + " (session_id, agreement_id, trace_id, output_path, started_ms)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, r.sessionId());
            s.setString(2, r.agreementId());
            s.setString(3, r.traceId());
            s.setString(4, r.output().toString());
            s.setLong(5, r.startedAt().toEpochMilli());
            return s.executeUpdate();
          }
        });
  }

  /** The release is over: registered, or failed and cleaned up by its own session. */
  public void end(String sessionId) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM result_releases WHERE session_id = ?")) {
            s.setString(1, sessionId);
            return s.executeUpdate();
          }
        });
  }

  /** Releases begun and not ended, oldest first. */
  public List<Release> pending() {
    return db.query(
        c -> {
          List<Release> out = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT session_id, agreement_id, trace_id, output_path, started_ms"
                          + " FROM result_releases ORDER BY started_ms, session_id");
              ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
              out.add(
                  new Release(
                      rows.getString(1),
                      rows.getString(2),
                      rows.getString(3),
                      Path.of(rows.getString(4)),
                      Instant.ofEpochMilli(rows.getLong(5))));
            }
          }
          return out;
        });
  }

  /**
   * At start: settles every release a crash interrupted (see the class), recording each with {@code
   * RESULT_RELEASE_INTERRUPTED}, durable.
   *
   * @return the interrupted releases, for the node's log
   */
  public List<Interrupted> recover() {
    List<Interrupted> found = new ArrayList<>();
    for (Release r : pending()) {
      if (registered(r)) {
        end(r.sessionId()); // it completed; only the journal's end was lost
        continue;
      }
      Interrupted i = new Interrupted(r, recorded(r), clean(r.output()));
      ResultRetention.await(audit.append(event(i)));
      end(r.sessionId());
      log.warn(i.describe());
      found.add(i);
    }
    return found;
  }

  private boolean registered(Release r) {
    return results.list(Optional.of(r.agreementId())).stream()
        .anyMatch(k -> k.sessionId().equals(r.sessionId()));
  }

  private boolean recorded(Release r) {
    return audit.store().entriesByTrace(r.traceId()).stream()
        .map(e -> e.event())
        .anyMatch(
            e ->
                e.type() == EventType.RESULT_RELEASED
                    && e.sessionId().equals(r.sessionId())
                    && e.actor().equals(self));
  }

  /** Deletes an unregistered output and the writer's temporary files of it. */
  private static Found clean(Path output) {
    boolean partial = deleteTemporaries(output);
    if (Files.isRegularFile(output, LinkOption.NOFOLLOW_LINKS)) {
      ResultFiles.delete(output);
      return Found.UNREGISTERED;
    }
    return partial ? Found.PARTIAL : Found.NOTHING;
  }

  /**
   * The writer's temporary files are {@code .<name>.<random>.partial} (and {@code .spill.arrows}).
   */
  private static boolean deleteTemporaries(Path output) {
    Path dir = output.getParent();
    String prefix = "." + output.getFileName() + ".";
    boolean any = false;
    if (dir == null || !Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> temporary(f, prefix))) {
      for (Path f : files) {
        any |= Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      log.warn("cannot clear the temporary files of {}: {}", output, e.toString());
    }
    return any;
  }

  private static boolean temporary(Path file, String prefix) {
    String name = file.getFileName().toString();
    return name.startsWith(prefix)
        && (name.endsWith(".partial") || name.endsWith(".spill.arrows"))
        && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
  }

  private AuditEvent event(Interrupted i) {
    Release r = i.release();
    return AuditEvent.builder(EventType.RESULT_RELEASE_INTERRUPTED)
        .time(clock.instant())
        .actor(self)
        .traceId(r.traceId())
        .sessionId(r.sessionId())
        .agreementId(r.agreementId())
        .detail("file", r.output().getFileName().toString())
        .detail("released", i.recorded())
        .detail("found", i.found().term())
        .build();
  }
}
