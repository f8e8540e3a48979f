package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What every party of a session shares: configuration, the framed channel, a child allocator for
 * the session's Arrow buffers, the compute executor, cancellation and error handling. A party runs
 * once.
 *
 * <p>Failure handling: a local failure (our validation of the peer's data, our input, our caller's
 * cancel) is sent to the peer in a CANCEL frame carrying our error code, then our end of the
 * channel is closed; a failure the peer reported is not echoed. Either way every Arrow buffer of
 * the session is released before {@code run} returns or throws, and the session allocator is closed
 * (so a leak fails loudly).
 */
abstract class Party {
  final PsiConfig config;
  final FrameIo io;
  final Parallel.SessionExecutor executor;
  final SecureRandom random;
  final PsiProgress progress;
  private final BufferAllocator allocator;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean cancelled;

  Party(
      PsiConfig config,
      PsiChannel channel,
      BufferAllocator allocator,
      Executor executor,
      SecureRandom random,
      PsiProgress progress) {
    this.config = Objects.requireNonNull(config, "config");
    this.io =
        new FrameIo(
            Objects.requireNonNull(channel, "channel"),
            config.receiveTimeout(),
            config.maxFrameBytes());
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    this.executor = new Parallel.SessionExecutor(Objects.requireNonNull(executor, "executor"));
    this.random = Objects.requireNonNull(random, "random");
    this.progress = Objects.requireNonNull(progress, "progress");
  }

  /**
   * Stops the session from any thread: the peer gets a CANCEL (and fails with {@code CANCELLED}),
   * our {@code run} fails with {@code CANCELLED} and releases everything.
   */
  public void cancel() {
    cancel(new SluiceException(ErrorCode.CANCELLED, "cancelled by the caller"));
  }

  /**
   * As {@link #cancel()}, but the peer's CANCEL carries {@code why} (its code and message), e.g.
   * that our node is shutting down; our {@code run} still fails with {@code CANCELLED}.
   */
  public void cancel(SluiceException why) {
    Objects.requireNonNull(why, "why");
    cancelled = true;
    executor.stop();
    io.abort(why);
  }

  <T> T drive(String role, Function<BufferAllocator, T> body) {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("a PSI party runs once");
    }
    try (BufferAllocator session =
        allocator.newChildAllocator("psi-" + role + "-" + config.sessionId(), 0, Long.MAX_VALUE)) {
      T result;
      try {
        result = body.apply(session);
      } catch (SluiceException e) {
        executor.stop();
        if (cancelled) {
          io.close();
          throw new SluiceException(ErrorCode.CANCELLED, "PSI session cancelled by the caller");
        }
        io.abort(e);
        throw e;
      } catch (RuntimeException e) {
        executor.stop();
        SluiceException s = new SluiceException(ErrorCode.INTERNAL, "PSI session failed", e);
        io.abort(s);
        throw s;
      } catch (Error e) {
        // Tell the peer, but let the error itself (e.g. OutOfMemoryError) through unchanged.
        executor.stop();
        io.abort(new SluiceException(ErrorCode.INTERNAL, "PSI session failed"));
        throw e;
      }
      io.close();
      return result;
    }
  }

  /** Number of batches of {@code batchSize} for {@code rows} rows. */
  static long batches(long rows, int batchSize) {
    return (rows + batchSize - 1) / batchSize;
  }

  static SluiceException violation(String message) {
    return new SluiceException(ErrorCode.PROTOCOL_VIOLATION, message);
  }

  /** Receives an END of {@code stream} and checks its count. */
  void expectEnd(Frame f, FrameType stream, long rows) {
    Control.End end = Control.decodeEnd(f.payload());
    if (end.stream() != stream || end.rows() != rows) {
      throw violation("END of " + end.stream() + " with " + end.rows() + " rows, expected " + rows);
    }
  }
}
