package io.sluice.results;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One result file a computation wrote on this node, and what its agreement's delete duty asks.
 *
 * @param id a random UUID
 * @param agreementId the agreement the computation ran under
 * @param sessionId the computation's session
 * @param traceId the computation's trace (its audit entries share it)
 * @param output the file as written
 * @param createdAt when the result was registered (millisecond precision)
 * @param duty the delete duty and its deadline; empty when the agreement has none
 * @param state where the file stands
 * @param deletedAt when the file was deleted or found gone; empty while it {@linkplain
 *     ResultState#awaitsDeletion() awaits deletion}
 * @param note a short reason (why a deletion failed), or empty
 */
public record ResultRecord(
    String id,
    String agreementId,
    String sessionId,
    String traceId,
    Output output,
    Instant createdAt,
    Optional<Duty> duty,
    ResultState state,
    Optional<Instant> deletedAt,
    String note) {

  /** The file a computation wrote: absolute path, SHA-256 (lower-case hex), size and rows. */
  public record Output(Path path, String sha256, long bytes, long rows) {
    /** The suffix of the manifest beside the output: {@code <file name>.sluice-result.json}. */
    public static final String MANIFEST_SUFFIX = ".sluice-result.json";

    public Output {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(sha256, "sha256");
    }

    /** The output's file name, without its directory (what audit entries record). */
    public String fileName() {
      return path.getFileName().toString();
    }

    /** The manifest written beside the output. */
    public Path manifest() {
      return manifestOf(path);
    }

    static Path manifestOf(Path output) {
      return output.resolveSibling(output.getFileName() + MANIFEST_SUFFIX);
    }
  }

  /**
   * A delete duty: its JSON pointer in the agreement's policy, its retention as the policy states
   * it (ISO 8601), and the deadline that gives from {@link #createdAt()}.
   */
  public record Duty(String pointer, String retention, Instant deleteBy) {
    public Duty {
      Objects.requireNonNull(pointer, "pointer");
      Objects.requireNonNull(retention, "retention");
      Objects.requireNonNull(deleteBy, "deleteBy");
    }
  }

  public ResultRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agreementId, "agreementId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(duty, "duty");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(deletedAt, "deletedAt");
    Objects.requireNonNull(note, "note");
    if (state.awaitsDeletion() == deletedAt.isPresent()) {
      throw new IllegalArgumentException(
          "a "
              + state
              + " result "
              + (deletedAt.isPresent() ? "has no" : "needs a")
              + " deletedAt");
    }
  }

  /** The deadline of the delete duty, if there is one. */
  public Optional<Instant> deleteBy() {
    return duty.map(Duty::deleteBy);
  }

  /** This record in {@code next} state: deleted (or found gone) at {@code at}, or failed. */
  ResultRecord moveTo(ResultState next, Instant at, String why) {
    return new ResultRecord(
        id,
        agreementId,
        sessionId,
        traceId,
        output,
        createdAt,
        duty,
        next,
        next.awaitsDeletion() ? Optional.empty() : Optional.of(at),
        why);
  }
}
