package io.sluice.node.compute;

import io.sluice.error.SluiceException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * How one session is stopped from outside its thread — by the node's shutdown, its watchdog, its
 * caller's cancellation or a failed audit append. The first reason wins: the session records it as
 * its end, whatever error the stop then causes on the session's own thread.
 */
final class SessionStop implements ComputeSessions.Stoppable {
  private final AtomicReference<SluiceException> reason = new AtomicReference<>();
  private final AtomicReference<Consumer<SluiceException>> party = new AtomicReference<>();
  private final Consumer<SluiceException> endStream;

  /**
   * @param endStream ends the session's stream with the reason (wakes every wait on it)
   */
  SessionStop(Consumer<SluiceException> endStream) {
    this.endStream = endStream;
  }

  /**
   * The running protocol party's cancel, which tells the peer why; a party that starts after a stop
   * is cancelled at once.
   */
  void party(Consumer<SluiceException> cancel) {
    party.set(cancel);
    SluiceException why = reason.get();
    if (why != null) {
      cancel.accept(why);
    }
  }

  /** The protocol is over: a later stop only ends the stream. */
  void partyDone() {
    party.set(null);
  }

  @Override
  public void stop(SluiceException why) {
    if (!reason.compareAndSet(null, why)) {
      return;
    }
    Consumer<SluiceException> cancel = party.get();
    if (cancel != null) {
      cancel.accept(why); // the peer's party learns why from our CANCEL
    }
    endStream.accept(why);
  }

  /** Throws the stop's reason if the session was stopped. */
  void checkNotStopped() {
    SluiceException why = reason.get();
    if (why != null) {
      throw why;
    }
  }

  Optional<SluiceException> reason() {
    return Optional.ofNullable(reason.get());
  }

  /** What the session records as its end: why it was stopped, if it was, else what it saw. */
  SluiceException cause(SluiceException seen) {
    SluiceException why = reason.get();
    return why != null ? why : seen;
  }
}
