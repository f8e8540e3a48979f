package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** Spreads the work of one batch over an executor in chunks, and unwraps failures. */
final class Parallel {
  /**
   * Elements per task for X25519 (about 30 us each) and P-256 (about 190 us each): enough to
   * amortize scheduling and batch normalization, small enough that the last task of a batch does
   * not leave the other cores idle for long.
   */
  static final int X25519_CHUNK = 256;

  static final int P256_CHUNK = 96;

  private Parallel() {}

  /** Work on rows [from, to) of a batch. */
  @FunctionalInterface
  interface RangeTask {
    void run(int from, int to);
  }

  /** Runs {@code task} over [0, n) in chunks on {@code executor}; completes when all are done. */
  static CompletableFuture<Void> forRanges(Executor executor, int n, int chunk, RangeTask task) {
    int chunks = (n + chunk - 1) / chunk;
    CompletableFuture<?>[] parts = new CompletableFuture<?>[chunks];
    for (int c = 0; c < chunks; c++) {
      int from = c * chunk;
      int to = Math.min(n, from + chunk);
      parts[c] =
          CompletableFuture.runAsync(
              () -> {
                if (executor instanceof SessionExecutor session && session.stopped()) {
                  throw new SluiceException(ErrorCode.CANCELLED, "PSI session stopped");
                }
                task.run(from, to);
              },
              executor);
    }
    return CompletableFuture.allOf(parts);
  }

  /** {@code forRanges} then a result, as one future. */
  static <T> CompletableFuture<T> forRanges(
      Executor executor, int n, int chunk, RangeTask task, Supplier<T> result) {
    return forRanges(executor, n, chunk, task).thenApply(v -> result.get());
  }

  /**
   * The caller's executor as one session sees it: once the session stops (error or cancel), work
   * chunks it had queued fail fast instead of computing for nobody.
   */
  static final class SessionExecutor implements Executor {
    private final Executor delegate;
    private volatile boolean stopped;

    SessionExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable command) {
      delegate.execute(command);
    }

    void stop() {
      stopped = true;
    }

    boolean stopped() {
      return stopped;
    }
  }

  /** Waits for a future; a {@link SluiceException} inside is rethrown as it is. */
  static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.CANCELLED, "interrupted");
    } catch (ExecutionException | CompletionException e) {
      Throwable c = e.getCause();
      while ((c instanceof CompletionException || c instanceof ExecutionException)
          && c.getCause() != null) {
        c = c.getCause();
      }
      if (c instanceof SluiceException s) {
        throw s;
      }
      throw new SluiceException(ErrorCode.INTERNAL, "PSI computation failed", c);
    }
  }
}
