package io.sluice.node.compute;

import io.sluice.compute.Duties;
import io.sluice.compute.PsiDuties;
import io.sluice.error.SluiceException;
import io.sluice.policy.eval.Obligation;
import io.sluice.results.ReleaseJournal;
import io.sluice.results.ResultRecord;
import io.sluice.results.ResultRetention;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's side of results: every released output is registered with {@link ResultRetention}
 * (listed by {@code sluice results}, deleted at its deadline when the agreement has a delete duty),
 * and the guard asks here whether a delete duty can be carried out. A release in progress is in the
 * {@link ReleaseJournal}, so that a crash before its file is registered is found at start.
 */
public final class ConsumerResults {
  private static final Logger log = LoggerFactory.getLogger(ConsumerResults.class);

  private final ResultRetention retention;
  private final ReleaseJournal journal;

  public ConsumerResults(ResultRetention retention, ReleaseJournal journal) {
    this.retention = retention;
    this.journal = journal;
  }

  /** The duty checks for a computation that writes {@code output} (or nothing). */
  PsiDuties.ResultKeeping keeping(Optional<Path> output) {
    return new PsiDuties.ResultKeeping() {
      @Override
      public Optional<String> cannotKeep(Obligation deleteDuty) {
        if (output.isEmpty()) {
          return Optional.empty(); // no file: the node keeps nothing to delete
        }
        try {
          retention.checkDeletable(output.get(), Optional.of(deleteDuty));
          return Optional.empty();
        } catch (SluiceException e) {
          return Optional.of(e.getMessage());
        }
      }

      @Override
      public List<Duties.Violation> violated(String agreementId) {
        return retention.violatedDuties(agreementId).stream()
            .map(v -> new Duties.Violation(v.pointer(), v.reason()))
            .toList();
      }
    };
  }

  /**
   * Refuses, before any use is spent, an output that could not be registered: not a regular file
   * location, already there, or a name the audit log cannot record.
   */
  void checkOutput(Path output) {
    retention.checkDeletable(output, Optional.empty());
  }

  /** Registers a written output; fails closed (the output is deleted when this throws). */
  ResultRecord register(
      String agreementId,
      String sessionId,
      String traceId,
      Path output,
      long rows,
      Optional<Obligation> delete) {
    return retention.register(agreementId, sessionId, traceId, output, rows, delete);
  }

  /** A release begins (before its audit record): a crash from here on is found at start. */
  void releasing(ReleaseJournal.Release release) {
    journal.begin(release);
  }

  /**
   * The release is over, registered or cleaned up by its session. If this cannot be stored, the
   * next start finds the release and settles it: it is logged, not thrown.
   */
  void released(String sessionId) {
    try {
      journal.end(sessionId);
    } catch (RuntimeException e) {
      log.warn(
          "cannot end release {} in the journal ({}); the next start settles it",
          sessionId,
          e.getMessage());
    }
  }
}
