package io.sluice.node.compute;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The computations this node runs, on either side: each on a thread of its own, at most a bound at
 * once (one more is refused at once rather than queued), and each stoppable from outside. Closing
 * stops every running session with {@code NODE_STOPPING} and waits until each has recorded how it
 * ended, so the node closes its audit log only after the last session's end entry.
 */
public final class ComputeSessions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ComputeSessions.class);

  /** A running session as the node can stop it. */
  interface Stoppable {
    /** Stops the session; it records {@code why} as its end. Safe from any thread, repeatedly. */
    void stop(SluiceException why);
  }

  private final ThreadPoolExecutor executor;
  private final Duration drainTimeout;
  private final Set<Stoppable> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /**
   * @param maxSessions how many sessions run at once
   * @param drainTimeout how long {@link #close} waits for stopped sessions to end
   */
  public ComputeSessions(int maxSessions, ThreadFactory threads, Duration drainTimeout) {
    this.executor =
        new ThreadPoolExecutor(
            0, maxSessions, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    this.drainTimeout = drainTimeout;
  }

  /**
   * Runs {@code body} as a session that {@code session} can stop.
   *
   * @throws RejectedExecutionException when every slot is taken or the node is stopping
   */
  void start(Stoppable session, Runnable body) {
    if (stopping) {
      throw new RejectedExecutionException("the node is stopping");
    }
    running.add(session);
    try {
      executor.execute(
          () -> {
            try {
              body.run();
            } finally {
              running.remove(session);
            }
          });
    } catch (RejectedExecutionException e) {
      running.remove(session);
      throw e;
    }
    if (stopping) {
      session.stop(stoppingError()); // close() began between the check and the registration
    }
  }

  /** Whether the node is shutting down (and takes no new session). */
  boolean stopping() {
    return stopping;
  }

  /** Sessions running now. */
  public int running() {
    return running.size();
  }

  private static SluiceException stoppingError() {
    return new SluiceException(ErrorCode.NODE_STOPPING, "the node is shutting down");
  }

  /**
   * Takes no new session and stops every running one with {@code NODE_STOPPING}, without waiting:
   * each tells its peer and records its end on its own thread.
   */
  public void stopAll() {
    stopping = true;
    executor.shutdown();
    SluiceException why = stoppingError();
    for (Stoppable s : running) {
      s.stop(why);
    }
  }

  /**
   * Takes no new session, stops every running one and waits (up to the drain timeout, then
   * interrupts) until their threads have ended.
   */
  @Override
  public void close() throws InterruptedException {
    stopAll();
    if (!executor.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn(
          "{} computations did not end within {} ms of being stopped; interrupting them",
          running.size(),
          drainTimeout.toMillis());
      executor.shutdownNow();
      executor.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "the computation sessions";
  }
}
