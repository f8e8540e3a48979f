package io.sluice.node.compute;

import io.sluice.compute.Duties;
import io.sluice.compute.PsiDuties;
import io.sluice.error.SluiceException;
import io.sluice.policy.eval.Obligation;
import io.sluice.results.ResultRecord;
import io.sluice.results.ResultRetention;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The consumer's side of results: every released output is registered with {@link ResultRetention}
 * (listed by {@code sluice results}, deleted at its deadline when the agreement has a delete duty),
 * and the guard asks here whether a delete duty can be carried out.
 */
public final class ConsumerResults {
  private final ResultRetention retention;

  public ConsumerResults(ResultRetention retention) {
    this.retention = retention;
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
}
