package io.sluice.node;

import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.CrlStatus;
import io.sluice.node.grpc.AuthenticatingInterceptor;
import io.sluice.node.grpc.NodeHealth;
import io.sluice.node.grpc.PeerChannels;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node re-judges every {@link #INTERVAL}, because trust changes while connections stay
 * open: the CRL's state and the node's own certificate decide health (NOT_SERVING with the reason
 * once the CRL expired, when the node refuses every peer, or once its own certificate expired or
 * was revoked, when every peer refuses it), and calls on both sides whose peer certificate no
 * longer passes are cut. Runs on one thread; a failure is logged and the next run tries again.
 */
final class TrustWatch implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TrustWatch.class);

  /** How often trust is judged again: a revoked or expired peer's stream ends within this. */
  static final Duration INTERVAL = Duration.ofSeconds(1);

  private final AuthorityTrust trust;
  private final X509Certificate own;
  private final NodeHealth health;
  private final AuthenticatingInterceptor callers;
  private final PeerChannels called;
  private final NodeEvents events;
  private CrlStatus.State lastCrl;
  private Optional<String> lastOwn = Optional.empty();
  private Optional<String> lastReason;

  TrustWatch(
      AuthorityTrust trust,
      X509Certificate own,
      NodeHealth health,
      AuthenticatingInterceptor callers,
      PeerChannels called,
      NodeEvents events) {
    this.trust = trust;
    this.own = own;
    this.health = health;
    this.callers = callers;
    this.called = called;
    this.events = events;
  }

  @Override
  public void run() {
    try {
      CrlStatus crl = judgeCrl();
      Optional<String> ownProblem = judgeOwnCertificate(crl);
      report(crl.usable() ? ownProblem : Optional.of(crl.describe()));
      callers.recheck();
      called.recheck();
    } catch (RuntimeException e) {
      log.warn("checking trust failed; trying again in {}: {}", INTERVAL, e.toString());
    }
  }

  /** NOT_SERVING with the reason while there is one; SERVING otherwise. */
  private void report(Optional<String> reason) {
    if (reason.equals(lastReason)) {
      return;
    }
    reason.ifPresentOrElse(health::notServing, health::serving);
    lastReason = reason;
  }

  private CrlStatus judgeCrl() {
    CrlStatus status = trust.crlStatus();
    CrlStatus.State state = status.state();
    if (state != lastCrl) {
      switch (state) {
        case CURRENT -> {
          if (lastCrl == CrlStatus.State.EXPIRED) {
            events.crlCurrent(status);
          }
          log.info("{}", status.describe());
        }
        case OVERDUE -> log.warn("{}", status.describe());
        case EXPIRED -> {
          events.crlExpired(status);
          log.error("{}", status.describe());
        }
      }
      lastCrl = state;
    }
    return status;
  }

  /**
   * Why peers refuse this node now (its own certificate expired or revoked), if they do: the node
   * cannot serve anyone until it is renewed.
   */
  private Optional<String> judgeOwnCertificate(CrlStatus crl) {
    Optional<String> problem = Optional.empty();
    if (crl.usable()) {
      try {
        trust.verify(new X509Certificate[] {own}, AuthorityTrust.PeerRole.SERVER);
      } catch (SluiceException e) {
        problem =
            Optional.of(
                "this node's certificate does not pass, every peer refuses it (renew it with"
                    + " sluice node renew): "
                    + e.getMessage());
      }
    }
    if (!problem.equals(lastOwn)) {
      problem.ifPresentOrElse(
          p -> log.error("{}", p), () -> log.info("this node's certificate passes again"));
      lastOwn = problem;
    }
    return problem;
  }
}
