package io.sluice.psi;

/**
 * Progress of one party, for a progress bar. Called from the party's driver thread with cumulative
 * row counts; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface PsiProgress {

  /** What the count measures. */
  enum Stage {
    /** Own rows hashed and blinded (or, for the sender, evaluated for the peer). */
    BLINDED,
    /** Own rows sent to the peer (blinded elements, replies, sender set or table rows). */
    SENT,
    /** The peer's rows received and processed. */
    RECEIVED,
    /** Receiver only: distinct matched keys so far. */
    MATCHED
  }

  void update(Stage stage, long rows);

  /** Ignores progress. */
  PsiProgress NONE = (stage, rows) -> {};
}
