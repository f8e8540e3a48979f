package io.sluice.psi;

/**
 * What one party submitted to a session: its input rows, the rows skipped because a key column was
 * null or blank, and the distinct keys it blinded (what the peer is told).
 */
public record PsiInput(long rows, long skippedRows, long distinctKeys) {
  static PsiInput of(DistinctKeys keys) {
    return new PsiInput(keys.rows(), keys.skippedRows(), keys.size());
  }
}
