package io.sluice.node.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the caller's identity, read from the client certificate that the TLS handshake verified,
 * into the call's {@link Context} (see {@link Caller}). A call without a verified certificate, or
 * whose certificate has been revoked since the connection was opened, is refused.
 */
public final class AuthenticatingInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuthenticatingInterceptor.class);
  private static final String SESSION_KEY = "sluice.identity";

  private final AuthorityTrust trust;

  public AuthenticatingInterceptor(AuthorityTrust trust) {
    this.trust = trust;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    PeerIdentity identity = null;
    if (session != null) {
      try {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length > 0
            && chain[0] instanceof X509Certificate leaf
            && !trust.isRevoked(leaf)) {
          Object cached = session.getValue(SESSION_KEY);
          if (cached instanceof PeerIdentity known) {
            identity = known;
          } else {
            identity = PeerIdentity.fromCertificate(leaf);
            session.putValue(SESSION_KEY, identity);
          }
        } else if (chain.length > 0) {
          log.warn("refused a call on a connection whose certificate is now revoked");
        }
      } catch (SSLPeerUnverifiedException | RuntimeException e) {
        identity = null;
      }
    }
    if (identity == null) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(StatusMapping.AUTHENTICATION_FAILED),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Caller.with(Context.current(), identity), call, headers, next);
  }
}
