package io.sluice.negotiation;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive, reentrant locks by key. A key's lock exists only while some thread holds it or waits
 * for it, so the number of locks is bounded by the threads using them at once, never by the number
 * of keys ever seen (a node runs negotiations for years).
 */
public final class KeyedLocks {
  private final Map<String, Slot> slots = new HashMap<>();

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  /** A held lock; {@link #close()} releases it (once). */
  public final class Held implements AutoCloseable {
    private final String key;
    private final Slot slot;
    private boolean released;

    private Held(String key, Slot slot) {
      this.key = key;
      this.slot = slot;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        slot.lock.unlock();
        leave(key, slot);
      }
    }
  }

  /** Waits for the lock of {@code key}. */
  public Held lock(String key) {
    Slot slot = enter(key);
    slot.lock.lock();
    return new Held(key, slot);
  }

  /** The lock of {@code key} if no other thread holds it now; empty otherwise. */
  public Optional<Held> tryLock(String key) {
    Slot slot = enter(key);
    if (slot.lock.tryLock()) {
      return Optional.of(new Held(key, slot));
    }
    leave(key, slot);
    return Optional.empty();
  }

  /** Keys whose lock is held or awaited right now. */
  int size() {
    synchronized (slots) {
      return slots.size();
    }
  }

  private Slot enter(String key) {
    synchronized (slots) {
      Slot slot = slots.computeIfAbsent(key, k -> new Slot());
      slot.users++;
      return slot;
    }
  }

  private void leave(String key, Slot slot) {
    synchronized (slots) {
      if (--slot.users == 0) {
        slots.remove(key);
      }
    }
  }
}
