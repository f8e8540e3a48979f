package io.sluice.node.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts the caller's identity, read from the client certificate of the TLS session, into the call's
 * {@link Context} (see {@link Caller}) after judging that certificate again, in full, for this
 * call: a connection outlives the handshake that opened it (and a resumed session skips the
 * handshake's check), so a client revoked or expired since, or any client while revocation cannot
 * be checked, is refused here. Open calls are judged again by {@link #recheck} and cut when they no
 * longer pass. Every refusal goes to {@link PeerRefusals} with the reason; the client sees only
 * {@value StatusMapping#AUTHENTICATION_FAILED}.
 */
public final class AuthenticatingInterceptor implements ServerInterceptor {
  private final AuthorityTrust trust;
  private final PeerRefusals refusals;
  private final Set<OpenCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  public AuthenticatingInterceptor(AuthorityTrust trust, PeerRefusals refusals) {
    this.trust = trust;
    this.refusals = refusals;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    X509Certificate[] chain =
        clientChain(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    PeerIdentity identity;
    try {
      if (chain == null) {
        throw new SluiceException(ErrorCode.UNAUTHENTICATED, "no client certificate");
      }
      identity = trust.verify(chain, AuthorityTrust.PeerRole.CLIENT);
    } catch (SluiceException e) {
      if (chain != null) {
        refusals.call(AuthorityTrust.PeerRole.CLIENT, e.getMessage(), chain[0], false);
      }
      call.close(StatusMapping.refusal(e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    OpenCall<Q, R> watched = new OpenCall<>(call, chain[0], open::remove);
    open.add(watched);
    return watched.listen(
        Contexts.interceptCall(Caller.with(Context.current(), identity), watched, headers, next));
  }

  /**
   * Judges the client of every open call again and cuts the calls whose client no longer passes,
   * reporting each such client once.
   *
   * @return how many calls were cut
   */
  public int recheck() {
    List<OpenCall<?, ?>> calls = List.copyOf(open);
    Map<X509Certificate, Optional<SluiceException>> verdicts = new HashMap<>();
    for (OpenCall<?, ?> call : calls) {
      verdicts.computeIfAbsent(call.client(), this::problem);
    }
    // The record first, then the cut: whoever sees the cut can find why.
    verdicts.forEach(
        (client, problem) ->
            problem.ifPresent(
                e -> refusals.call(AuthorityTrust.PeerRole.CLIENT, e.getMessage(), client, true)));
    int cut = 0;
    for (OpenCall<?, ?> call : calls) {
      Optional<SluiceException> problem = verdicts.get(call.client());
      if (problem.isPresent()) {
        call.cut(StatusMapping.refusal(problem.get()));
        cut++;
      }
    }
    return cut;
  }

  private Optional<SluiceException> problem(X509Certificate client) {
    try {
      trust.verify(new X509Certificate[] {client}, AuthorityTrust.PeerRole.CLIENT);
      return Optional.empty();
    } catch (SluiceException e) {
      return Optional.of(e);
    }
  }

  private static X509Certificate[] clientChain(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs.length == 0 || !(certs[0] instanceof X509Certificate)) {
        return null;
      }
      X509Certificate[] chain = new X509Certificate[certs.length];
      for (int i = 0; i < certs.length; i++) {
        chain[i] = (X509Certificate) certs[i];
      }
      return chain;
    } catch (SSLPeerUnverifiedException | ClassCastException e) {
      return null;
    }
  }
}
