package io.sluice.node.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client half of "a peer that is no longer trusted gets nothing": the server one channel talks
 * to, as its last handshake proved it, judged again before every call and by {@link #recheck}. Once
 * that server's certificate is revoked or expired, or revocation cannot be checked, no call starts
 * on the channel (nothing is sent), its open calls are cut, and the channel drops its connection,
 * so the next call needs a new handshake, which the trust manager judges afresh.
 */
final class ServerWatch implements ClientInterceptor {
  private final String participant;
  private final AuthorityTrust trust;
  private final PeerRefusals refusals;
  private final X509ExtendedTrustManager handshakes;
  private final Set<WatchedCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  /** The chain the last successful handshake presented, and the one already cut for. */
  private volatile X509Certificate[] server;

  private volatile X509Certificate[] cutFor;
  private volatile ManagedChannel channel;

  ServerWatch(String participant, AuthorityTrust trust, PeerRefusals refusals) {
    this.participant = participant;
    this.trust = trust;
    this.refusals = refusals;
    this.handshakes = trust.trustManager(participant, refusals.of(AuthorityTrust.PeerRole.SERVER));
  }

  /** The trust manager for the channel's TLS context: it records the server it accepted. */
  X509ExtendedTrustManager trustManager() {
    return new Recording();
  }

  void attach(ManagedChannel managed) {
    this.channel = managed;
  }

  boolean isTerminated() {
    ManagedChannel c = channel;
    return c != null && c.isTerminated();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    X509Certificate[] chain = server;
    Optional<SluiceException> problem = problem(chain);
    if (problem.isPresent()) {
      cut(chain, problem.get(), false);
      return new RefusedCall<>(StatusMapping.refusal(problem.get()));
    }
    return new WatchedCall<>(next.newCall(method, options));
  }

  /** Cuts the channel's calls if the server it talks to no longer passes. */
  void recheck() {
    X509Certificate[] chain = server;
    problem(chain).ifPresent(e -> cut(chain, e, true));
  }

  private Optional<SluiceException> problem(X509Certificate[] chain) {
    if (chain == null) {
      return Optional.empty(); // no handshake yet: the trust manager judges the first one
    }
    try {
      PeerIdentity identity = trust.verify(chain, AuthorityTrust.PeerRole.SERVER);
      return identity.participant().equals(participant)
          ? Optional.empty()
          : Optional.of(
              new SluiceException(
                  ErrorCode.UNAUTHENTICATED, "the server is no longer '" + participant + "'"));
    } catch (SluiceException e) {
      return Optional.of(e);
    }
  }

  /**
   * Reports the refusal once per server certificate, cancels every open call and drops the
   * connection; a later call asks for a new one (its handshake records the server afresh).
   */
  private void cut(X509Certificate[] chain, SluiceException problem, boolean watching) {
    ManagedChannel c = channel;
    if (chain != cutFor) {
      cutFor = chain;
      boolean any = !open.isEmpty();
      refusals.call(
          AuthorityTrust.PeerRole.SERVER, problem.getMessage(), chain[0], watching && any);
      Status status = StatusMapping.refusal(problem);
      for (WatchedCall<?, ?> call : open) {
        call.cut(status);
      }
      if (c != null) {
        c.enterIdle();
      }
    }
    if (c != null && !watching) {
      c.getState(true); // reconnect: a renewed server proves itself in a new handshake
    }
  }

  /** Delegates to the authority's trust manager and remembers the server chain it accepted. */
  private final class Recording extends X509ExtendedTrustManager {
    private void accepted(X509Certificate[] chain) {
      server = chain.clone();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      handshakes.checkServerTrusted(chain, authType, engine);
      accepted(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      handshakes.checkServerTrusted(chain, authType, socket);
      accepted(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      handshakes.checkServerTrusted(chain, authType);
      accepted(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a client channel does not accept clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("a client channel does not accept clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a client channel does not accept clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return handshakes.getAcceptedIssuers();
    }
  }

  /** A call that started on the channel: tracked while open, so that a cut can cancel it. */
  private final class WatchedCall<Q, R>
      extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private volatile Status cut;

    WatchedCall(ClientCall<Q, R> delegate) {
      super(delegate);
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      open.add(this);
      super.start(
          new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              open.remove(WatchedCall.this);
              Status cutWith = cut;
              super.onClose(
                  cutWith != null ? cutWith : status, cutWith != null ? new Metadata() : trailers);
            }
          },
          headers);
    }

    void cut(Status status) {
      cut = status;
      cancel("the server's certificate is no longer accepted", null);
    }
  }

  /** A call refused before anything was sent. */
  private static final class RefusedCall<Q, R> extends ClientCall<Q, R> {
    private final Status status;

    RefusedCall(Status status) {
      this.status = status;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      listener.onClose(status, new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
