package io.sluice.node.grpc;

import io.grpc.netty.GrpcSslContexts;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.NodeCredentials;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 contexts for node-to-node gRPC: the node's own key and certificate on both sides, a trust
 * manager applying {@link io.sluice.identity.AuthorityTrust} as the only trust decision (client
 * certificates required), and no session resumption in either direction. A resumed TLS 1.3 session
 * skips both trust managers, so a peer revoked or expired since its first handshake would be let in
 * on the strength of a ticket; every connection here is a full handshake instead.
 */
public final class TlsContexts {
  static final String PROTOCOL = "TLSv1.3";

  /**
   * The JDK's TLS 1.3 server sends no NewSessionTicket (so nothing can be resumed) when its session
   * timeout is longer than the 7-day ticket lifetime RFC 8446 section 4.6.1 allows; it is the only
   * switch the JDK provider has. {@code TlsHandshakeTest} proves a reused client context still gets
   * a full handshake.
   */
  static final long NO_TICKETS_SESSION_TIMEOUT_SECONDS = 7 * 24 * 3600 + 1;

  private TlsContexts() {}

  public static SslContext server(NodeCredentials credentials, X509ExtendedTrustManager trust) {
    try {
      return GrpcSslContexts.configure(
              SslContextBuilder.forServer(credentials.key(), credentials.certificate()),
              SslProvider.JDK)
          .trustManager(trust)
          .clientAuth(ClientAuth.REQUIRE)
          .protocols(PROTOCOL)
          .sessionTimeout(NO_TICKETS_SESSION_TIMEOUT_SECONDS)
          .sessionCacheSize(1)
          .build();
    } catch (SSLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot build the server TLS context", e);
    }
  }

  /**
   * A client context presenting the node's certificate and judging the server with {@code trust}.
   * Its engines are created without the peer's host and port, so the JDK never finds a cached
   * session to offer: even a server that issues tickets gets a full handshake.
   */
  public static SslContext client(NodeCredentials credentials, X509ExtendedTrustManager trust) {
    try {
      return new FullHandshakes(
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
              .keyManager(credentials.key(), credentials.certificate())
              .trustManager(trust)
              .protocols(PROTOCOL)
              .build());
    } catch (SSLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot build the client TLS context", e);
    }
  }

  /** A client context whose engines carry no peer host or port: nothing to resume. */
  private static final class FullHandshakes extends SslContext {
    private final SslContext delegate;

    FullHandshakes(SslContext delegate) {
      this.delegate = delegate;
    }

    @Override
    public boolean isClient() {
      return delegate.isClient();
    }

    @Override
    public List<String> cipherSuites() {
      return delegate.cipherSuites();
    }

    @Override
    @SuppressWarnings("deprecation") // abstract in SslContext; gRPC reads ALPN through it
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
      return delegate.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
      return delegate.newEngine(alloc);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
      // The host would only serve the JDK's session cache: the server's identity is checked by
      // the trust manager (participant, not host name).
      return delegate.newEngine(alloc);
    }

    @Override
    public SSLSessionContext sessionContext() {
      return delegate.sessionContext();
    }
  }
}
