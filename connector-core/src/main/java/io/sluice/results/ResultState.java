package io.sluice.results;

/**
 * Where a result file stands against its delete duty. Stored by name: never rename a constant.
 *
 * <ul>
 *   <li>{@link #KEPT}: the file is where the computation wrote it, to be deleted at its deadline
 *       (or kept for good when the agreement has no delete duty);
 *   <li>{@link #DELETED}: the retention sweep deleted it, at or after its deadline;
 *   <li>{@link #PURGED}: deleted on the operator's request ({@code sluice results purge});
 *   <li>{@link #MISSING}: the file was already gone when Sluice came to delete it, so nothing shows
 *       who removed it, when, or whether it was copied first;
 *   <li>{@link #DELETE_FAILED}: Sluice could not delete it; every later sweep tries again.
 * </ul>
 */
public enum ResultState {
  KEPT,
  DELETED,
  PURGED,
  MISSING,
  DELETE_FAILED;

  /** Whether the file may still exist and Sluice still has to delete it. */
  public boolean awaitsDeletion() {
    return this == KEPT || this == DELETE_FAILED;
  }
}
