package io.sluice.node;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.AuditLog;
import io.sluice.audit.EventType;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.CrlStatus;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.grpc.PeerRefusals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own audit events: start and stop, configuration and certificate changes (compared with
 * what the node ran with last time), refused TLS handshakes and calls, the CRL expiring and being
 * current again, and failed result sweeps.
 */
final class NodeEvents implements PeerRefusals {
  private static final Logger log = LoggerFactory.getLogger(NodeEvents.class);
  private static final String STATE_FILE = "last-start.properties";

  private final AuditLog audit;
  private final String self;
  private final Clock clock;

  NodeEvents(AuditLog audit, String self, Clock clock) {
    this.audit = audit;
    this.self = self;
    this.clock = clock;
  }

  void started(NodeConfig config, NodeCredentials credentials) {
    String configDigest = digestOf(config.source());
    String certificate = credentials.identity().certificateSha256();
    Path stateFile = config.dataDir().resolve(STATE_FILE);
    Properties last = new Properties();
    if (Files.exists(stateFile)) {
      try (var in = Files.newInputStream(stateFile)) {
        last.load(in);
      } catch (IOException e) {
        log.warn("cannot read {}; configuration and key changes are not compared", stateFile);
      }
    }
    if (last.containsKey("config") && !configDigest.equals(last.getProperty("config"))) {
      audit.append(
          event(EventType.CONFIG_CHANGED)
              .detail("file", config.source().getFileName().toString())
              .detail("previous", last.getProperty("config"))
              .detail("current", configDigest)
              .build());
    }
    if (last.containsKey("certificate") && !certificate.equals(last.getProperty("certificate"))) {
      audit.append(
          event(EventType.KEY_CHANGED)
              .detail("previousCertificate", last.getProperty("certificate"))
              .detail("currentCertificate", certificate)
              .build());
    }
    audit.append(
        event(EventType.NODE_STARTED)
            .detail("config", configDigest)
            .detail("certificate", certificate)
            .build());
    Properties now = new Properties();
    now.setProperty("config", configDigest);
    now.setProperty("certificate", certificate);
    try (var out = new java.io.StringWriter()) {
      now.store(
          out, "what this node last started with (for CONFIG_CHANGED / KEY_CHANGED audit events)");
      io.sluice.identity.PemFiles.writeAtomically(
          stateFile, out.toString().getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      log.warn("cannot write {}", stateFile);
    }
  }

  void stopped() {
    audit.append(event(EventType.NODE_STOPPED).build());
  }

  /** The result sweep failed as a whole; recorded with its error code only. */
  void sweepFailed(RuntimeException failure) {
    String code =
        failure instanceof SluiceException s ? s.code().name() : ErrorCode.INTERNAL.name();
    try {
      audit.append(event(EventType.RESULT_SWEEP_FAILED).detail("error", code).build());
    } catch (SluiceException e) {
      log.warn("cannot audit the failed result sweep: {}", e.getMessage());
    }
  }

  @Override
  public void handshake(AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf) {
    log.warn("refused the TLS handshake with a {}: {}", PeerRefusals.name(peer), reason);
    appendQuietly(refusal(EventType.HANDSHAKE_REFUSED, peer, reason, leaf));
  }

  @Override
  public void call(
      AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf, boolean open) {
    log.warn("{} a call with a {}: {}", open ? "cut" : "refused", PeerRefusals.name(peer), reason);
    appendQuietly(
        refusal(EventType.CALL_REFUSED, peer, reason, leaf).detail("call", open ? "open" : "new"));
  }

  /** A refusal stands whether or not it can be audited (e.g. while the log is closing). */
  private void appendQuietly(AuditEvent.Builder event) {
    try {
      audit.append(event.build());
    } catch (RuntimeException e) {
      log.warn("cannot audit a refused peer: {}", e.getMessage());
    }
  }

  /** The node began to refuse every peer: its CRL expired. */
  void crlExpired(CrlStatus status) {
    AuditEvent.Builder b =
        event(EventType.CRL_EXPIRED)
            .detail("number", status.number().toString())
            .detail("nextUpdate", status.nextUpdate().toString())
            .detail("graceSeconds", Long.toString(status.grace().toSeconds()));
    status.fileProblem().ifPresent(p -> b.detail("problem", truncate(p)));
    audit.append(b.build());
  }

  /** A current CRL is in place again. */
  void crlCurrent(CrlStatus status) {
    audit.append(
        event(EventType.CRL_CURRENT)
            .detail("number", status.number().toString())
            .detail("nextUpdate", status.nextUpdate().toString())
            .build());
  }

  private AuditEvent.Builder refusal(
      EventType type, AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf) {
    AuditEvent.Builder b =
        event(type).detail("reason", truncate(reason)).detail("peer", PeerRefusals.name(peer));
    if (leaf != null) {
      b.detail("certificate", PeerIdentity.sha256Hex(leaf));
    }
    return b;
  }

  private AuditEvent.Builder event(EventType type) {
    return AuditEvent.builder(type).time(clock.instant()).actor(self);
  }

  private static String truncate(String s) {
    return s.length() <= 250 ? s : s.substring(0, 250);
  }

  private static String digestOf(Path file) {
    try {
      return HexFormat.of().formatHex(AuditEvent.sha256(ByteBuffer.wrap(Files.readAllBytes(file))));
    } catch (IOException e) {
      return "unreadable";
    }
  }
}
