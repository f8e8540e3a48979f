package io.sluice.fault;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * Named points in the protocols where crash tests stop a node. Inert unless the process was started
 * with {@value #ENV} naming a point: when that point is reached the process prints {@code
 * SLUICE-FAULT-POINT <name>} on stdout and freezes, so a test can kill it with SIGKILL at exactly
 * that step and check what a restart recovers.
 */
public final class FaultPoints {
  public static final String ENV = "SLUICE_FAULT_PAUSE";
  public static final String MARKER = "SLUICE-FAULT-POINT ";

  private static final String ARMED = System.getenv(ENV);
  private static final CountDownLatch NEVER = new CountDownLatch(1);

  private FaultPoints() {}

  /** Freezes the process here if this point is armed; returns at once otherwise. */
  public static void reach(String name) {
    if (ARMED == null || !ARMED.equals(name)) {
      return;
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println(MARKER + name);
    out.flush();
    while (true) {
      try {
        NEVER.await();
      } catch (InterruptedException e) {
        // keep waiting for the kill
      }
    }
  }
}
