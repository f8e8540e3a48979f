package io.sluice.node;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.cli.SluiceCli;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.grpc.AuthenticatingInterceptor;
import io.sluice.node.grpc.ErrorMappingInterceptor;
import io.sluice.node.grpc.NodeInfoService;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.TlsContexts;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Sluice node: the assembly of its identity, trust, services and peer channels, built
 * through constructors in this one place so the whole graph reads top to bottom.
 */
public final class SluiceNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SluiceNode.class);

  private final NodeConfig config;
  private final NodeIdentity identity;
  private final PeerChannels peers;
  private final HealthStatusManager health;
  private final Server server;

  private SluiceNode(
      NodeConfig config,
      NodeIdentity identity,
      PeerChannels peers,
      HealthStatusManager health,
      Server server) {
    this.config = config;
    this.identity = identity;
    this.peers = peers;
    this.health = health;
    this.server = server;
  }

  /** Loads everything the configuration names and starts serving; fails with a config error. */
  public static SluiceNode start(NodeConfig config, Map<String, String> env, Clock clock) {
    NodeIdentity identity = NodeIdentity.load(config, env, clock);
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw config.error("dataDir", "cannot create " + config.dataDir());
    }
    NodeConfig.Limits limits = config.limits();
    PeerChannels peers =
        new PeerChannels(
            identity.credentials(), identity.trust(), addresses(config), limits.maxMessageBytes());

    HealthStatusManager health = new HealthStatusManager();
    AuthorityTrust.RefusalListener refusals =
        (reason, leaf) -> log.warn("refused a TLS peer: {}", reason);
    AuthenticatingInterceptor authentication = new AuthenticatingInterceptor(identity.trust());
    ErrorMappingInterceptor errors = new ErrorMappingInterceptor();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.listen().host(), config.listen().port()))
            .sslContext(TlsContexts.server(identity.credentials(), identity.trust(), refusals))
            .maxInboundMessageSize(limits.maxMessageBytes())
            .maxInboundMetadataSize(16 * 1024)
            .handshakeTimeout(limits.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .addService(
                ServerInterceptors.intercept(
                    new NodeInfoService(
                        identity.credentials().identity(), SluiceCli.versionString()),
                    errors,
                    authentication))
            .addService(ServerInterceptors.intercept(health.getHealthService(), authentication))
            .addService(
                ServerInterceptors.intercept(
                    ProtoReflectionServiceV1.newInstance(), authentication));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      peers.close();
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw config.error("listen", "address " + config.listen() + " is already in use");
      }
      throw config.error("listen", "cannot listen on " + config.listen() + ": " + e.getMessage());
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    log.info(
        "node {} of data space {} listening on {}:{}",
        config.participant(),
        config.space(),
        config.listen().host(),
        server.getPort());
    return new SluiceNode(config, identity, peers, health, server);
  }

  static Map<String, PeerChannels.Address> addresses(NodeConfig config) {
    Map<String, PeerChannels.Address> addresses = new LinkedHashMap<>();
    config
        .peers()
        .forEach((id, hp) -> addresses.put(id, new PeerChannels.Address(hp.host(), hp.port())));
    return addresses;
  }

  public int port() {
    return server.getPort();
  }

  public PeerIdentity identity() {
    return identity.credentials().identity();
  }

  public NodeConfig config() {
    return config;
  }

  public PeerChannels peers() {
    return peers;
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops accepting calls, lets in-flight calls finish up to the configured grace period, then
   * cancels what is left and closes the peer channels.
   */
  @Override
  public synchronized void close() {
    if (server.isTerminated()) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(config.limits().shutdownGraceMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after the grace period; cancelling them");
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      peers.close();
    }
    log.info("node {} stopped", config.participant());
  }
}
