package io.sluice.results;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.policy.eval.Obligation;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a consumer's delete duties: records every result file a computation writes with the
 * deadline its agreement's delete duty sets, deletes it when the deadline passes, audits both, and
 * tells which duties were violated.
 *
 * <p><b>Registering.</b> {@link #checkDeletable} runs before a computation (before a use is
 * counted); {@link #register} after it wrote its output. Registration writes a manifest beside the
 * output ({@code <file name>.sluice-result.json}), stores the record and appends {@code
 * RESULT_KEPT}, waiting until the entry is durable. It fails closed: if anything fails, the output
 * and the manifest are deleted and the record removed before the error is thrown.
 *
 * <p><b>Deleting.</b> {@link #sweep} deletes every result past its deadline ({@code DELETED}); the
 * operator's {@link #purge}, {@link #purgeExpired} and {@link #purgeAll} delete at once ({@code
 * PURGED}). A file already gone is {@code MISSING}; one that cannot be deleted is {@code
 * DELETE_FAILED} and tried again by every sweep. Each change is audited ({@code RESULT_DELETED}); a
 * failure that merely repeats is not audited again. Deletions are serialized by a lock.
 *
 * <p><b>Violated duties</b> ({@link #violatedDuties}): a result with a delete duty violates it when
 * it still awaits deletion ({@code KEPT} or {@code DELETE_FAILED}) more than the grace period after
 * its deadline; when it was deleted more than the grace period after its deadline (it was kept too
 * long, even though it is gone now); or when it is {@code MISSING} at any time: the file was
 * removed outside Sluice, and nothing shows that it was deleted rather than moved or copied, nor
 * when. A result deleted (or purged) by Sluice within its deadline plus the grace is fine, and a
 * result without a delete duty never violates one.
 */
public final class ResultRetention {
  private static final Logger log = LoggerFactory.getLogger(ResultRetention.class);

  /** How long registration and deletion wait for their audit entry to be stored. */
  static final Duration AUDIT_WAIT = Duration.ofSeconds(30);

  private final ResultStore store;
  private final AuditLog audit;
  private final ResultEvents events;
  private final Clock clock;
  private final Duration grace;
  private final ReentrantLock deletions = new ReentrantLock();

  /** What one sweep did: files deleted, found missing, and that could not be deleted. */
  public record SweepSummary(int deleted, int missing, int failed) {
    public int total() {
      return deleted + missing + failed;
    }
  }

  /**
   * @param self this node's participant id (the actor of its audit entries)
   * @param grace how long past a deadline a result may still be deleted without violating its duty
   *     (covers the sweep's interval and a node that was down)
   */
  public ResultRetention(
      ResultStore store, AuditLog audit, String self, Clock clock, Duration grace) {
    this.store = Objects.requireNonNull(store, "store");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.events = new ResultEvents(Objects.requireNonNull(self, "self"), clock);
    this.clock = Objects.requireNonNull(clock, "clock");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the grace period must not be negative");
    }
    this.grace = grace;
  }

  /**
   * Checks, before a computation, that a result written to {@code output} can be registered and its
   * delete duty carried out: the output is a regular file location that does not exist yet in a
   * writable directory (not standard output, a device or a directory), the duty is a delete duty
   * whose retention parses, and the audit log can record the file's name.
   *
   * @throws SluiceException INVALID_ARGUMENT (or ALREADY_EXISTS) for the output location,
   *     DELETE_DUTY_UNFULFILLABLE for the duty, each with the reason
   */
  public void checkDeletable(Path output, Optional<Obligation> deleteDuty) {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(deleteDuty, "deleteDuty");
    ResultFiles.checkLocation(output);
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    ResultRecord trial =
        new ResultRecord(
            "00000000-0000-0000-0000-000000000000",
            "agreement",
            "session",
            "trace",
            new ResultRecord.Output(output.toAbsolutePath().normalize(), "00".repeat(32), 0, 0),
            now,
            deleteDuty.map(d -> duty(d, now)),
            ResultState.KEPT,
            Optional.empty(),
            "");
    try {
      events.kept(trial);
    } catch (SluiceException e) {
      throw RetentionPeriod.unfulfillable(
          "the audit log cannot record this result (" + e.getMessage() + ")");
    }
  }

  /**
   * Records a result a computation has just written to {@code output}, with the deadline of {@code
   * deleteDuty} (created-at plus its retention; none without a duty), writes its manifest and
   * audits it ({@code RESULT_KEPT}, durable before this returns).
   *
   * @param rows the number of rows in the output
   * @param deleteDuty the agreement's delete duty that applies to the result, if any
   * @throws SluiceException if the output is not a regular file (INVALID_ARGUMENT, and left alone);
   *     otherwise with the failure's code after the output and its manifest were deleted
   */
  public ResultRecord register(
      String agreementId,
      String sessionId,
      String traceId,
      Path output,
      long rows,
      Optional<Obligation> deleteDuty) {
    Objects.requireNonNull(agreementId, "agreementId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(deleteDuty, "deleteDuty");
    Path path = output.toAbsolutePath().normalize();
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "cannot register " + path + ": not a regular file");
    }
    try {
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      ResultRecord record =
          new ResultRecord(
              UUID.randomUUID().toString(),
              agreementId,
              sessionId,
              traceId,
              ResultFiles.describe(path, rows),
              now,
              deleteDuty.map(d -> duty(d, now)),
              ResultState.KEPT,
              Optional.empty(),
              "");
      persist(record);
      log.info("result {} ({}) kept until {}", record.id(), path.getFileName(), deadline(record));
      return record;
    } catch (RuntimeException e) {
      ResultFiles.deleteQuietly(path, e);
      throw new SluiceException(
          e instanceof SluiceException s ? s.code() : ErrorCode.INTERNAL,
          "the result "
              + path.getFileName()
              + " could not be registered and was deleted: "
              + e.getMessage(),
          e);
    }
  }

  /** Writes the manifest, the record and the audit entry, undoing the record if the audit fails. */
  private void persist(ResultRecord record) {
    AuditEvent kept = events.kept(record); // the guard runs before anything is written
    ResultFiles.writeManifest(record);
    store.insert(record);
    try {
      await(audit.append(kept));
    } catch (RuntimeException e) {
      try {
        store.remove(record.id());
      } catch (RuntimeException removal) {
        e.addSuppressed(removal);
      }
      throw e;
    }
  }

  /**
   * Deletes every result whose deadline has passed and that still awaits deletion. One result's
   * failure (its store update or audit entry) does not stop the others; the first is rethrown at
   * the end.
   */
  public SweepSummary sweep() {
    int deleted = 0;
    int missing = 0;
    int failed = 0;
    SluiceException first = null;
    for (ResultRecord due : store.due(clock.instant())) {
      try {
        switch (dispose(due, ResultEvents.By.SWEEP).state()) {
          case DELETED -> deleted++;
          case MISSING -> missing++;
          case DELETE_FAILED -> failed++;
          case KEPT, PURGED -> {}
        }
      } catch (SluiceException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
    return new SweepSummary(deleted, missing, failed);
  }

  /**
   * Deletes one result now, on the operator's request.
   *
   * @return the record as it is now ({@code PURGED}, {@code MISSING} or {@code DELETE_FAILED})
   * @throws SluiceException NOT_FOUND for an unknown id, CONFLICT when it was deleted already
   */
  public ResultRecord purge(String resultId) {
    ResultRecord record =
        store
            .find(resultId)
            .orElseThrow(() -> new SluiceException(ErrorCode.NOT_FOUND, "no result " + resultId));
    if (!record.state().awaitsDeletion()) {
      throw new SluiceException(
          ErrorCode.CONFLICT,
          "result "
              + resultId
              + " is "
              + record.state().name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + " already (at "
              + record.deletedAt().orElseThrow()
              + ")");
    }
    return dispose(record, ResultEvents.By.OPERATOR);
  }

  /** Deletes now, on the operator's request, every result whose deadline has passed. */
  public List<ResultRecord> purgeExpired() {
    return disposeAll(store.due(clock.instant()));
  }

  /**
   * Deletes now, on the operator's request, every result that awaits deletion, with or without a
   * delete duty, or only those of one agreement.
   */
  public List<ResultRecord> purgeAll(Optional<String> agreementId) {
    return disposeAll(
        store.list(agreementId).stream().filter(r -> r.state().awaitsDeletion()).toList());
  }

  private List<ResultRecord> disposeAll(List<ResultRecord> records) {
    List<ResultRecord> out = new ArrayList<>();
    for (ResultRecord r : records) {
      out.add(dispose(r, ResultEvents.By.OPERATOR));
    }
    return out;
  }

  /**
   * Deletes a result's file and manifest, stores the new state and audits it. Re-reads the record
   * under the lock, so a sweep and a purge never both act on one result.
   */
  private ResultRecord dispose(ResultRecord seen, ResultEvents.By by) {
    deletions.lock();
    try {
      ResultRecord current = store.find(seen.id()).orElse(seen);
      if (!current.state().awaitsDeletion()) {
        return current;
      }
      ResultFiles.Deletion deletion = ResultFiles.delete(current.output().path());
      ResultState next =
          switch (deletion.outcome()) {
            case DELETED -> by == ResultEvents.By.SWEEP ? ResultState.DELETED : ResultState.PURGED;
            case MISSING -> ResultState.MISSING;
            case FAILED -> ResultState.DELETE_FAILED;
          };
      ResultRecord after = current.moveTo(next, clock.instant(), deletion.reason());
      if (after.equals(current)) {
        return current; // the same failure again: nothing new to store or audit
      }
      if (!store.update(after, current.state())) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "result " + current.id() + " was changed by another writer");
      }
      logDisposal(after);
      await(audit.append(events.deleted(after, by)));
      return after;
    } finally {
      deletions.unlock();
    }
  }

  private static void logDisposal(ResultRecord r) {
    switch (r.state()) {
      case DELETED, PURGED -> log.info("result {} deleted ({})", r.id(), r.state());
      case MISSING ->
          log.warn("result {} was already gone when it was to be deleted (MISSING)", r.id());
      case DELETE_FAILED ->
          log.warn("result {} could not be deleted: {}; trying again later", r.id(), r.note());
      case KEPT -> {}
    }
  }

  /** The delete duties of {@code agreementId}'s results that were violated, as of now. */
  public List<ViolatedDuty> violatedDuties(String agreementId) {
    Objects.requireNonNull(agreementId, "agreementId");
    return store.list(Optional.of(agreementId)).stream()
        .map(this::violation)
        .flatMap(Optional::stream)
        .toList();
  }

  /** How {@code r} violated its delete duty, as of now; empty if it did not (see the class). */
  public Optional<ViolatedDuty> violation(ResultRecord r) {
    if (r.duty().isEmpty()) {
      return Optional.empty();
    }
    ResultRecord.Duty duty = r.duty().get();
    Instant limit = duty.deleteBy().plus(grace);
    String result = "result " + r.id();
    String reason =
        switch (r.state()) {
          case KEPT, DELETE_FAILED ->
              clock.instant().isAfter(limit)
                  ? result
                      + " was not deleted by its deadline "
                      + duty.deleteBy()
                      + (r.state() == ResultState.DELETE_FAILED
                          ? " (Sluice cannot delete it: " + r.note() + ")"
                          : "")
                  : null;
          case DELETED, PURGED ->
              r.deletedAt().orElseThrow().isAfter(limit)
                  ? result
                      + " was kept past its deadline "
                      + duty.deleteBy()
                      + " (deleted "
                      + r.deletedAt().orElseThrow()
                      + ")"
                  : null;
          case MISSING ->
              result
                  + " was removed outside Sluice, so nothing shows it was deleted by its deadline "
                  + duty.deleteBy();
        };
    return Optional.ofNullable(reason).map(text -> new ViolatedDuty(duty.pointer(), text));
  }

  /** Every result, or one agreement's, oldest first. */
  public List<ResultRecord> list(Optional<String> agreementId) {
    return store.list(agreementId);
  }

  /** The grace period after a deadline (see {@link #violatedDuties}). */
  public Duration grace() {
    return grace;
  }

  private static ResultRecord.Duty duty(Obligation duty, Instant from) {
    if (!"delete".equals(duty.action())) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "not a delete duty: " + duty.describe());
    }
    String retention =
        duty.retention()
            .orElseThrow(
                () ->
                    RetentionPeriod.unfulfillable(
                        "the delete duty at "
                            + duty.pointer()
                            + " names no sluice:retention, so there is no deadline to keep"));
    Instant deleteBy = RetentionPeriod.parse(retention).deadline(from);
    return new ResultRecord.Duty(duty.pointer(), retention, deleteBy);
  }

  private static String deadline(ResultRecord r) {
    return r.deleteBy().map(Instant::toString).orElse("the operator purges it (no delete duty)");
  }

  /** Waits until an audit entry is stored, with a typed error if it is not. */
  static void await(CompletableFuture<Long> stored) {
    try {
      stored.get(AUDIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SluiceException s) {
        throw s;
      }
      throw new SluiceException(ErrorCode.UNAVAILABLE, "the audit log failed", e.getCause());
    } catch (TimeoutException e) {
      throw new SluiceException(
          ErrorCode.UNAVAILABLE, "the audit log did not store the entry within " + AUDIT_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.UNAVAILABLE, "interrupted while auditing", e);
    }
  }
}
