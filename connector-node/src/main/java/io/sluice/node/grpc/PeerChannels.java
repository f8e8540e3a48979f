package io.sluice.node.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * mTLS channels from this node to its peers, one per peer, each accepting only a server that proves
 * to be that peer, at every handshake and again before every call (cached channels too): a server
 * revoked or expired since gets no call, and {@link #recheck} cuts its open calls. Owns the cached
 * channels: {@link #close()} shuts them down.
 */
public final class PeerChannels implements AutoCloseable {
  /** Where a peer listens. */
  public record Address(String host, int port) {}

  private final NodeCredentials credentials;
  private final AuthorityTrust trust;
  private final Map<String, Address> peers;
  private final int maxMessageBytes;
  private final PeerRefusals refusals;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Set<ServerWatch> watches = ConcurrentHashMap.newKeySet();

  public PeerChannels(
      NodeCredentials credentials,
      AuthorityTrust trust,
      Map<String, Address> peers,
      int maxMessageBytes) {
    this(credentials, trust, peers, maxMessageBytes, PeerRefusals.LOG);
  }

  public PeerChannels(
      NodeCredentials credentials,
      AuthorityTrust trust,
      Map<String, Address> peers,
      int maxMessageBytes,
      PeerRefusals refusals) {
    this.credentials = credentials;
    this.trust = trust;
    this.peers = Map.copyOf(peers);
    this.maxMessageBytes = maxMessageBytes;
    this.refusals = refusals;
  }

  /** The channel to {@code participant}; unknown peers are an error naming the known ones. */
  public ManagedChannel channel(String participant) {
    Address address = peers.get(participant);
    if (address == null) {
      throw new SluiceException(
          ErrorCode.NOT_FOUND,
          "no peer '" + participant + "' in the configuration (known: " + peers.keySet() + ")");
    }
    return channels.computeIfAbsent(participant, p -> open(p, address));
  }

  /**
   * A fresh channel not cached here, checked like the cached ones (while this object is open); the
   * caller owns and closes it.
   */
  public ManagedChannel open(String participant, Address address) {
    ServerWatch watch = new ServerWatch(participant, trust, refusals);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(address.host(), address.port())
            .negotiationType(NegotiationType.TLS)
            .sslContext(TlsContexts.client(credentials, watch.trustManager()))
            .maxInboundMessageSize(maxMessageBytes)
            .intercept(watch)
            .build();
    watch.attach(channel);
    watches.add(watch);
    return channel;
  }

  /**
   * Judges the server of every open channel again and cuts the calls of those that no longer pass
   * (the node runs this every second, so a revocation or expiry ends a long stream within seconds).
   */
  public void recheck() {
    watches.removeIf(ServerWatch::isTerminated);
    for (ServerWatch watch : watches) {
      watch.recheck();
    }
  }

  public java.util.Set<String> peers() {
    return peers.keySet();
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdown();
    }
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
    watches.clear();
  }
}
