package io.sluice.node;

import io.sluice.results.ResultRetention;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the result sweep, as the node schedules it. It never throws: a scheduled task that
 * throws is never run again, and a sweep that fails (the store is down, the audit log refuses) must
 * be tried again next time. Failures are logged and audited ({@code RESULT_SWEEP_FAILED}).
 */
final class ResultSweeper implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ResultSweeper.class);

  private final ResultRetention results;
  private final NodeEvents events;

  ResultSweeper(ResultRetention results, NodeEvents events) {
    this.results = results;
    this.events = events;
  }

  @Override
  public void run() {
    try {
      ResultRetention.SweepSummary done = results.sweep();
      if (done.total() > 0) {
        log.info(
            "result sweep: {} deleted, {} already gone, {} could not be deleted",
            done.deleted(),
            done.missing(),
            done.failed());
      }
    } catch (RuntimeException e) {
      log.warn("the result sweep failed: {}", e.getMessage());
      events.sweepFailed(e);
    }
  }
}
