package io.sluice.node.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.CrlStatus;
import io.sluice.node.NodeIdentity;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.StatusMapping;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A CLI's connection, with the node's own identity, to the node itself or to one of its peers. Owns
 * the channel; close it.
 */
final class NodeClient implements AutoCloseable {
  final NodeConfig config;
  final String target;
  private final ManagedChannel channel;
  private final PeerChannels channels;

  private NodeClient(
      NodeConfig config, String target, PeerChannels channels, ManagedChannel channel) {
    this.config = config;
    this.target = target;
    this.channels = channels;
    this.channel = channel;
  }

  /** Connects to {@code peer}, or to the node itself when peer is null. */
  static NodeClient connect(Path configFile, String peer) {
    NodeConfig config = NodeConfigLoader.load(configFile);
    NodeIdentity identity = NodeIdentity.load(config, System.getenv(), Clock.systemUTC());
    requireUsableCrl(config, identity);
    PeerChannels.Address address;
    String target;
    if (peer == null) {
      String host = config.listen().host();
      if (host.equals("0.0.0.0") || host.equals("::")) {
        host = "127.0.0.1";
      }
      address = new PeerChannels.Address(host, config.listen().port());
      target = config.participant();
    } else {
      NodeConfig.HostPort hp = config.peers().get(peer);
      if (hp == null) {
        throw config.error(
            "peers", "no peer '" + peer + "' (known: " + config.peers().keySet() + ")");
      }
      address = new PeerChannels.Address(hp.host(), hp.port());
      target = peer;
    }
    PeerChannels channels =
        new PeerChannels(
            identity.credentials(), identity.trust(), Map.of(), config.limits().maxMessageBytes());
    return new NodeClient(config, target, channels, channels.open(target, address));
  }

  /**
   * Says why nothing can work while the CRL is expired, instead of a failed handshake: the node
   * (and this client, with the same trust) refuses every peer until a fresh CRL is in place.
   */
  private static void requireUsableCrl(NodeConfig config, NodeIdentity identity) {
    CrlStatus crl = identity.trust().crlStatus();
    if (!crl.usable()) {
      throw new SluiceException(
          ErrorCode.CRL_EXPIRED, config.source() + ": identity.crl: " + crl.describe());
    }
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Runs one call with the configured deadline, turning a failed status into a typed error. */
  <S extends io.grpc.stub.AbstractStub<S>, T> T call(
      S stub, long deadlineMillis, Function<S, T> call) {
    try {
      return call.apply(stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, target);
    }
  }

  <S extends io.grpc.stub.AbstractStub<S>, T> T call(S stub, Function<S, T> call) {
    return call(stub, config.limits().rpcDeadlineMillis(), call);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.close();
  }
}
