package io.sluice.psi;

/** How a PSI session ended; both parties end with the same outcome. */
public enum PsiOutcome {
  /** The receiver's caller gets the result. */
  RELEASED,
  /**
   * The intersection was smaller than the receiver's minimum group size: nothing is released (the
   * policy outcome {@link io.sluice.error.ErrorCode#RESULT_WITHHELD}), and the sender was told so
   * without the count.
   */
  WITHHELD
}
