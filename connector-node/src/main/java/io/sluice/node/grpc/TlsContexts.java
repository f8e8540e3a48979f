package io.sluice.node.grpc;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import javax.net.ssl.SSLException;

/**
 * TLS 1.3 contexts for node-to-node gRPC: the node's own key and certificate on both sides, and
 * {@link AuthorityTrust} as the only trust decision (client certificates required).
 */
public final class TlsContexts {
  static final String PROTOCOL = "TLSv1.3";

  private TlsContexts() {}

  public static SslContext server(
      NodeCredentials credentials, AuthorityTrust trust, AuthorityTrust.RefusalListener listener) {
    try {
      return GrpcSslContexts.configure(
              SslContextBuilder.forServer(credentials.key(), credentials.certificate()),
              SslProvider.JDK)
          .trustManager(trust.trustManager(null, listener))
          .clientAuth(ClientAuth.REQUIRE)
          .protocols(PROTOCOL)
          .build();
    } catch (SSLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot build the server TLS context", e);
    }
  }

  /** A client context that accepts only a server proving to be {@code expectedServer}. */
  public static SslContext client(
      NodeCredentials credentials,
      AuthorityTrust trust,
      String expectedServer,
      AuthorityTrust.RefusalListener listener) {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
          .keyManager(credentials.key(), credentials.certificate())
          .trustManager(trust.trustManager(expectedServer, listener))
          .protocols(PROTOCOL)
          .build();
    } catch (SSLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot build the client TLS context", e);
    }
  }
}
