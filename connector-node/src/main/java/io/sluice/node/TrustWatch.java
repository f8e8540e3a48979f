package io.sluice.node;

import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.CrlStatus;
import io.sluice.node.grpc.AuthenticatingInterceptor;
import io.sluice.node.grpc.NodeHealth;
import io.sluice.node.grpc.PeerChannels;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node re-judges every {@link #INTERVAL}, because trust changes while connections stay
 * open: the CRL's state decides health (NOT_SERVING with the reason once it expired: the node then
 * refuses every peer), and calls on both sides whose peer certificate no longer passes are cut.
 * Runs on one thread; a failure is logged and the next run tries again.
 */
final class TrustWatch implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TrustWatch.class);

  /** How often trust is judged again: a revoked or expired peer's stream ends within this. */
  static final Duration INTERVAL = Duration.ofSeconds(1);

  private final AuthorityTrust trust;
  private final NodeHealth health;
  private final AuthenticatingInterceptor callers;
  private final PeerChannels called;
  private final NodeEvents events;
  private CrlStatus.State last;

  TrustWatch(
      AuthorityTrust trust,
      NodeHealth health,
      AuthenticatingInterceptor callers,
      PeerChannels called,
      NodeEvents events) {
    this.trust = trust;
    this.health = health;
    this.callers = callers;
    this.called = called;
    this.events = events;
  }

  @Override
  public void run() {
    try {
      judgeCrl();
      callers.recheck();
      called.recheck();
    } catch (RuntimeException e) {
      log.warn("checking trust failed; trying again in {}: {}", INTERVAL, e.toString());
    }
  }

  private void judgeCrl() {
    CrlStatus status = trust.crlStatus();
    CrlStatus.State state = status.state();
    if (state == last) {
      return;
    }
    switch (state) {
      case CURRENT -> {
        health.serving();
        if (last == CrlStatus.State.EXPIRED) {
          events.crlCurrent(status);
        }
        log.info("{}", status.describe());
      }
      case OVERDUE -> {
        health.serving();
        log.warn("{}", status.describe());
      }
      case EXPIRED -> {
        health.notServing(status.describe());
        events.crlExpired(status);
        log.error("{}", status.describe());
      }
    }
    last = state;
  }
}
