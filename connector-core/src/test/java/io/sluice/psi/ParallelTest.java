package io.sluice.psi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @Test
  void runsEveryChunkOnceAndRethrowsTypedErrors() {
    AtomicInteger covered = new AtomicInteger();
    Parallel.join(
        Parallel.forRanges(Runnable::run, 1000, 96, (from, to) -> covered.addAndGet(to - from)));
    assertThat(covered).hasValue(1000);
    assertThatThrownBy(
            () ->
                Parallel.join(
                    Parallel.forRanges(
                        Runnable::run,
                        10,
                        3,
                        (from, to) -> {
                          throw new SluiceException(ErrorCode.INVALID_POINT, "bad");
                        })))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
  }

  @Test
  void stoppedSessionSkipsQueuedWorkAndFailsAsCancelled() {
    Parallel.SessionExecutor session = new Parallel.SessionExecutor(Runnable::run);
    session.stop();
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Parallel.join(
                    Parallel.forRanges(session, 100, 10, (f, t) -> ran.incrementAndGet())))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
    assertThat(ran).hasValue(0);
  }
}
