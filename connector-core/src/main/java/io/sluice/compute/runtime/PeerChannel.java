package io.sluice.compute.runtime;

import java.time.Duration;

/**
 * One end of the ordered, reliable frame stream between this node and one peer of a session; an
 * N-party session holds one per peer ({@link Peers}). The node implements it over a gRPC
 * bidirectional stream inside mTLS; tests implement it in memory. The kind's protocol numbers and
 * checks the frames; the channel only carries them.
 *
 * <ul>
 *   <li>{@link #send} may block while the peer is slow (flow control); a frame of a type that
 *       {@link FrameVocabulary#stops stops} the session does not wait behind data frames; it throws
 *       {@code STREAM_TRUNCATED} once the peer has closed, {@code CANCELLED} once we have;
 *   <li>{@link #receive} decodes under the channel's maximum frame size and the kind's vocabulary,
 *       returns frames in the order sent, throws {@code DEADLINE_EXCEEDED} when nothing arrives in
 *       time, {@code STREAM_TRUNCATED} once the peer closed and {@code CANCELLED} once we have;
 *   <li>{@link #close} ends our half; closing twice is harmless.
 * </ul>
 */
public interface PeerChannel extends AutoCloseable {
  /** The participant id at the other end (from its certificate). */
  String peer();

  void send(WireFrame frame);

  WireFrame receive(Duration timeout);

  /** The largest encoded frame this channel carries, in bytes. */
  int maxFrameBytes();

  @Override
  void close();
}
