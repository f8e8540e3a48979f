package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {
  final KeyedLocks locks = new KeyedLocks();

  @Test
  void oneKeyIsHeldByOneThreadAtATime() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        runs.add(
            pool.submit(
                () -> {
                  try (KeyedLocks.Held held = locks.lock("n-1")) {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.yield();
                    inside.decrementAndGet();
                  }
                }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(most.get()).isEqualTo(1);
    assertThat(locks.size()).isZero();
  }

  @Test
  void otherKeysDoNotWaitAndTryLockSaysWhenTaken() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread owner =
        new Thread(
            () -> {
              try (KeyedLocks.Held h = locks.lock("a")) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    owner.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(locks.tryLock("a")).isEmpty();
    try (KeyedLocks.Held other = locks.lock("b")) {
      assertThat(locks.size()).isEqualTo(2);
    }
    release.countDown();
    owner.join(10_000);
    try (KeyedLocks.Held again = locks.tryLock("a").orElseThrow()) {
      assertThat(locks.size()).isEqualTo(1);
    }
    assertThat(locks.size()).isZero();
  }

  @Test
  void manyKeysLeaveNoLockBehindAndReleasingTwiceIsHarmless() {
    for (int i = 0; i < 10_000; i++) {
      KeyedLocks.Held held = locks.lock("negotiation-" + i);
      try (KeyedLocks.Held reentered = locks.lock("negotiation-" + i)) {
        assertThat(locks.size()).isEqualTo(1);
      }
      held.close();
      held.close();
    }
    assertThat(locks.size()).isZero();
  }
}
