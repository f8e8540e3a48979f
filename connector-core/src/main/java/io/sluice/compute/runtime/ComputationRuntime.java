package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The one runtime every computation kind runs on, on every node of a session, on its own. The node
 * judges the request against its own agreement or collaboration (the kind's admission rules), then
 * {@link #open opens} the session here: the use is reserved exactly once per (terms, session id),
 * the session gets an allocator of its own with the session limit and a deadline. The kind's
 * protocol runs over {@link RuntimeSession#spending spending} channels, releases through {@link
 * RuntimeSession#release} and the node {@link RuntimeSession#close closes} the session, which gives
 * back a use nothing was released under.
 *
 * <p>Transport-agnostic: nothing here knows gRPC; the node supplies the channels.
 */
public final class ComputationRuntime {

  /**
   * @param sessionMemoryLimit the Arrow memory one session may hold
   * @param sessionDeadline how long one session may run
   */
  public record Limits(long sessionMemoryLimit, Duration sessionDeadline) {
    public Limits {
      if (sessionMemoryLimit <= 0 || sessionDeadline.isNegative() || sessionDeadline.isZero()) {
        throw new IllegalArgumentException("session limits must be positive");
      }
    }
  }

  private final UseLedger ledger;
  private final BufferAllocator allocator;
  private final ScheduledExecutorService timers;
  private final Limits limits;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  public ComputationRuntime(
      UseLedger ledger, BufferAllocator allocator, ScheduledExecutorService timers, Limits limits) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    this.timers = Objects.requireNonNull(timers, "timers");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public UseLedger ledger() {
    return ledger;
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Opens a judged session: reserves its use (once per terms and session id: a retry of a session
   * that holds its reservation counts nothing again), opens its allocator and arms its deadline.
   *
   * @param maxUses the terms' use count; negative for none
   * @throws SluiceException SESSION_RUNNING when this session id runs on this node now;
   *     SESSION_SPENT, USE_COUNT_EXHAUSTED from the ledger
   */
  public RuntimeSession open(SessionKey key, long maxUses) {
    String id = key.termsId() + "\n" + key.sessionId();
    if (!running.add(id)) {
      throw new SluiceException(
          ErrorCode.SESSION_RUNNING, "session " + key.sessionId() + " is running already");
    }
    try {
      UseLedger.Reservation reservation = ledger.reserve(key.termsId(), key.sessionId(), maxUses);
      BufferAllocator child;
      try {
        child =
            allocator.newChildAllocator(
                key.kind() + "-" + key.sessionId(), 0, limits.sessionMemoryLimit());
      } catch (RuntimeException e) {
        ledger.giveBack(key.termsId(), key.sessionId());
        throw e;
      }
      RuntimeSession session =
          new RuntimeSession(key, reservation, child, ledger, () -> running.remove(id));
      try {
        session.deadline(
            timers.schedule(
                () -> session.stop(RuntimeSession.pastDeadline(limits.sessionDeadline())),
                limits.sessionDeadline().toMillis(),
                TimeUnit.MILLISECONDS));
      } catch (RuntimeException e) {
        session.close(); // the use back, the allocator closed
        throw e;
      }
      return session;
    } catch (RuntimeException e) {
      running.remove(id);
      throw e;
    }
  }

  /** Sessions open on this node now. */
  public int open() {
    return running.size();
  }
}
