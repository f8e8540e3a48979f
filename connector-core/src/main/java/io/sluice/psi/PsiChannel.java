package io.sluice.psi;

import java.time.Duration;

/**
 * One end of a bidirectional, ordered, reliable message stream between the two parties of a PSI
 * session. The node implements it over a gRPC bidirectional stream of bytes (each message one
 * {@link Frame#encode() encoded frame}); {@link InMemoryPsiChannel} implements it for tests. The
 * protocol numbers and checks the frames ({@code sequence}); the channel only carries them.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #send} may block while the peer is slow (flow control) and must accept at least
 *       {@link PsiConfig#maxInFlightBatches()} + 2 frames in each direction without the peer
 *       reading, or the protocol can deadlock; a {@link FrameType#CANCEL} frame must not wait
 *       behind data frames (send it as a stream reset would go); {@code send} may be called from a
 *       second thread by {@code cancel()} while the driver thread sends; it throws {@code
 *       STREAM_TRUNCATED} once the peer has closed, {@code CANCELLED} once we have;
 *   <li>{@link #receive} decodes with {@link Frame#decode} under the channel's maximum frame size,
 *       returns frames in the order sent, throws {@code DEADLINE_EXCEEDED} when nothing arrives in
 *       time and {@code STREAM_TRUNCATED} once the peer closed and every frame it sent before was
 *       received, and {@code CANCELLED} once we have closed;
 *   <li>{@link #close} ends our half: the peer sees the end of the stream after the frames already
 *       sent; our blocked {@code send}/{@code receive} calls fail with {@code CANCELLED}. Closing
 *       twice is harmless.
 * </ul>
 */
public interface PsiChannel extends AutoCloseable {

  /** Sends one frame. */
  void send(Frame frame);

  /** The next frame from the peer, waiting at most {@code timeout}. */
  Frame receive(Duration timeout);

  /** The largest encoded frame this channel carries, in bytes. */
  int maxFrameBytes();

  @Override
  void close();
}
