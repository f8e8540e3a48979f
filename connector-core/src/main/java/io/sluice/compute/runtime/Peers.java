package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The channels of one session, one per peer: a two-party computation holds one, an N-party one
 * (secure aggregation's host, a clean room's contributors) one per member it talks to.
 */
public final class Peers implements AutoCloseable {
  private final Map<String, PeerChannel> channels = new LinkedHashMap<>();

  public Peers(List<? extends PeerChannel> channels) {
    for (PeerChannel c : channels) {
      if (this.channels.putIfAbsent(c.peer(), c) != null) {
        throw new IllegalArgumentException("two channels to " + c.peer());
      }
    }
  }

  /** The channel to {@code participant}. */
  public PeerChannel to(String participant) {
    PeerChannel c = channels.get(participant);
    if (c == null) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "no channel to " + participant + " in this session");
    }
    return c;
  }

  /** The peers, in the order given. */
  public List<String> ids() {
    return List.copyOf(channels.keySet());
  }

  @Override
  public void close() {
    channels.values().forEach(PeerChannel::close);
  }
}
