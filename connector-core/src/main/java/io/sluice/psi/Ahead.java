package io.sluice.psi;

import java.util.concurrent.CompletableFuture;

/**
 * Consecutive batches of {@code [0, total)}, each computed on the executor one batch ahead of the
 * one the driver is sending, so the cores blind batch i+1 while batch i crosses the wire. Memory:
 * two batches.
 */
final class Ahead<T> {
  /** Computes the batch of {@code rows} items starting at {@code from}. */
  @FunctionalInterface
  interface Compute<T> {
    CompletableFuture<T> start(int from, int rows);
  }

  /** One computed batch. */
  record Batch<T>(int from, int rows, T value) {}

  private final int total;
  private final int batchSize;
  private final Compute<T> compute;
  private CompletableFuture<T> next;
  private int nextFrom;
  private int nextRows;

  Ahead(int total, int batchSize, Compute<T> compute) {
    this.total = total;
    this.batchSize = batchSize;
    this.compute = compute;
    startAt(0);
  }

  private void startAt(int from) {
    if (from >= total) {
      next = null;
      return;
    }
    nextFrom = from;
    nextRows = Math.min(batchSize, total - from);
    next = compute.start(nextFrom, nextRows);
  }

  boolean hasNext() {
    return next != null;
  }

  /** Waits for the next batch and starts computing the one after it. */
  Batch<T> next() {
    if (next == null) {
      throw new java.util.NoSuchElementException();
    }
    T value = Parallel.join(next);
    Batch<T> batch = new Batch<>(nextFrom, nextRows, value);
    startAt(nextFrom + nextRows);
    return batch;
  }
}
