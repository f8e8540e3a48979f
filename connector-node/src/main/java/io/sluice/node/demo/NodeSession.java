package io.sluice.node.demo;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.StatusMapping;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A demo's connection to one of its nodes, with that node's own credentials (as its operator's CLI
 * would connect). Owns its channel.
 */
public final class NodeSession implements AutoCloseable {
  private final String participant;
  private final PeerChannels channels;
  private final ManagedChannel channel;

  public NodeSession(DemoSpace space, String participant) {
    this(space, participant, participant);
  }

  /** A connection to {@code target}'s node with {@code as}'s credentials. */
  public NodeSession(DemoSpace space, String as, String target) {
    DemoSpace.Node node = space.node(target);
    this.participant = target;
    this.channels =
        new PeerChannels(space.node(as).credentials(), space.trust(), Map.of(), 8 << 20);
    this.channel = channels.open(target, new PeerChannels.Address("127.0.0.1", node.port()));
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** Runs one call, turning a failed status into a typed error. */
  public <T> T call(Function<ManagedChannel, T> call) {
    try {
      return call.apply(channel);
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, participant);
    }
  }

  public static long deadline(long seconds) {
    return TimeUnit.SECONDS.toMillis(seconds);
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
