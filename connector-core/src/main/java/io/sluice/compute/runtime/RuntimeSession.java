package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One computation session on one node, as {@link ComputationRuntime#open} opened it: its use
 * reserved, its own Arrow allocator with the session's limit, its deadline armed. Everything that
 * can stop it from outside — the deadline, the caller's cancellation, the node's shutdown, a failed
 * audit append — goes through {@link #stop}; the first reason wins and is what the session records
 * as its end.
 *
 * <p>The use becomes {@link UseLedger.State#SPENT SPENT} before anything derived from this node's
 * data leaves it: before the first frame on a {@link #spending spending} channel, or at the {@link
 * #release release}. {@link #close} gives an unspent use back, closes the allocator (a leak is
 * reported, after everything else is closed) and disarms the deadline.
 */
public final class RuntimeSession implements AutoCloseable {
  private final SessionKey key;
  private final UseLedger.Reservation reservation;
  private final BufferAllocator allocator;
  private final UseLedger ledger;
  private final Runnable onClose;
  private final AtomicReference<SluiceException> stopped = new AtomicReference<>();
  private final List<Consumer<SluiceException>> onStop = new CopyOnWriteArrayList<>();
  private final AtomicBoolean spent = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ScheduledFuture<?> deadline;

  RuntimeSession(
      SessionKey key,
      UseLedger.Reservation reservation,
      BufferAllocator allocator,
      UseLedger ledger,
      Runnable onClose) {
    this.key = key;
    this.reservation = reservation;
    this.allocator = allocator;
    this.ledger = ledger;
    this.onClose = onClose;
  }

  void deadline(ScheduledFuture<?> deadline) {
    this.deadline = deadline;
  }

  public SessionKey key() {
    return key;
  }

  /** The use this session counts as; {@link UseLedger.Reservation#repeated} for a retry. */
  public UseLedger.Reservation reservation() {
    return reservation;
  }

  /** The session's own allocator (a child of the node's, with the session limit). */
  public BufferAllocator allocator() {
    return allocator;
  }

  /**
   * Runs {@code action} when the session is stopped (at once if it was already): a protocol party's
   * cancel, which tells the peer why, or the end of the session's stream.
   */
  public void onStop(Consumer<SluiceException> action) {
    onStop.add(action);
    SluiceException why = stopped.get();
    if (why != null) {
      action.accept(why);
    }
  }

  /**
   * Stops the session with {@code why}; safe from any thread, repeatedly; the first reason wins.
   */
  public void stop(SluiceException why) {
    if (stopped.compareAndSet(null, why)) {
      for (Consumer<SluiceException> action : onStop) {
        action.accept(why);
      }
    }
  }

  /** Why the session was stopped from outside, if it was. */
  public Optional<SluiceException> stopped() {
    return Optional.ofNullable(stopped.get());
  }

  /** What the session records as its end: why it was stopped, if it was, else what it saw. */
  public SluiceException cause(SluiceException seen) {
    SluiceException why = stopped.get();
    return why != null ? why : seen;
  }

  /** Throws the stop's reason if the session was stopped. */
  public void checkRunning() {
    SluiceException why = stopped.get();
    if (why != null) {
      throw why;
    }
  }

  /** Marks the use spent, durably, once; every later call returns at once. */
  public void spend() {
    if (closed.get()) {
      throw new IllegalStateException("session " + key.sessionId() + " is closed");
    }
    if (!spent.get()) {
      synchronized (spent) {
        if (!spent.get()) {
          ledger.spend(key.termsId(), key.sessionId());
          spent.set(true);
        }
      }
    }
  }

  /** Whether the use is spent. */
  public boolean spent() {
    return spent.get();
  }

  /**
   * {@code channel} with the use spent before its first frame that does not stop the session: the
   * moment anything of this session leaves the node, its use is gone.
   */
  public PeerChannel spending(PeerChannel channel, FrameVocabulary vocabulary) {
    return new PeerChannel() {
      @Override
      public String peer() {
        return channel.peer();
      }

      @Override
      public void send(WireFrame frame) {
        if (!vocabulary.stops(frame.type())) {
          checkRunning(); // a stopped session sends nothing, so spends nothing
          spend();
        }
        channel.send(frame);
      }

      @Override
      public WireFrame receive(Duration timeout) {
        return channel.receive(timeout);
      }

      @Override
      public int maxFrameBytes() {
        return channel.maxFrameBytes();
      }

      @Override
      public void close() {
        channel.close();
      }
    };
  }

  /** Releases the result: the use spent, the release on record, then the output. */
  public <T> T release(ReleaseStep<T> step) {
    checkRunning();
    spend();
    step.record();
    return step.output();
  }

  /**
   * Ends the session: the deadline disarmed, an unspent use given back, the allocator closed.
   *
   * @throws IllegalStateException when the session leaked Arrow memory (after everything else was
   *     done)
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    try {
      if (!spent.get()) {
        ledger.giveBack(key.termsId(), key.sessionId());
      }
    } finally {
      try {
        allocator.close();
      } finally {
        onClose.run();
      }
    }
  }

  /** A stop for running past the deadline. */
  static SluiceException pastDeadline(Duration deadline) {
    return new SluiceException(
        ErrorCode.DEADLINE_EXCEEDED,
        "the session ran past its deadline of " + deadline.toSeconds() + " s");
  }
}
