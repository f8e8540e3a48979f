package io.sluice.node.grpc;

import io.sluice.identity.AuthorityTrust;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a node reports every peer it refuses, with the precise reason: its log and its audit log.
 * The peer itself only ever sees a failed handshake or {@value
 * StatusMapping#AUTHENTICATION_FAILED}.
 */
public interface PeerRefusals {
  /** The TLS handshake failed our check of {@code peer}'s certificate (leaf null if none). */
  void handshake(AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf);

  /**
   * A call with an authenticated peer was refused before it started ({@code open} false), or cut
   * while it ran ({@code open} true), because the peer's certificate no longer passes.
   */
  void call(AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf, boolean open);

  /** The handshake refusals of one side, as a trust manager reports them. */
  default AuthorityTrust.RefusalListener of(AuthorityTrust.PeerRole peer) {
    return (reason, leaf) -> handshake(peer, reason, leaf);
  }

  /** Logs only (for tools without an audit log). */
  PeerRefusals LOG =
      new PeerRefusals() {
        private final Logger log = LoggerFactory.getLogger(PeerRefusals.class);

        @Override
        public void handshake(AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf) {
          log.warn("refused the TLS handshake with a {}: {}", name(peer), reason);
        }

        @Override
        public void call(
            AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf, boolean open) {
          log.warn("{} a call with a {}: {}", open ? "cut" : "refused", name(peer), reason);
        }
      };

  /** {@code client} or {@code server}, as audit details spell the peer's side. */
  static String name(AuthorityTrust.PeerRole peer) {
    return peer.name().toLowerCase(java.util.Locale.ROOT);
  }
}
