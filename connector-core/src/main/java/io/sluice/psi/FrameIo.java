package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One party's view of the channel during a session: numbers outgoing frames from 0, checks that
 * incoming ones are numbered 0, 1, 2, ... without gap, repetition or reordering, turns a peer's
 * CANCEL into an exception, and stops the session with a CANCEL of our own.
 */
final class FrameIo {
  private final PsiChannel channel;
  private final Duration timeout;

  /** How long to look for the peer's CANCEL after it closed under our send. */
  private static final Duration PEER_REASON_WAIT = Duration.ofSeconds(1);

  private final AtomicLong nextSend = new AtomicLong();
  private long nextReceive;

  private final int maxFrameBytes;

  FrameIo(PsiChannel channel, Duration timeout, int maxFrameBytes) {
    this.channel = channel;
    this.timeout = timeout;
    this.maxFrameBytes = Math.min(maxFrameBytes, channel.maxFrameBytes());
  }

  /** The smaller of the session's and the channel's limit. */
  int maxFrameBytes() {
    return maxFrameBytes;
  }

  void send(FrameType type, byte[] payload) {
    if (Frame.HEADER_LENGTH + (long) payload.length > maxFrameBytes) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED, "PSI frame would exceed the channel's maximum size");
    }
    try {
      channel.send(new Frame(type, nextSend.getAndIncrement(), payload));
    } catch (SluiceException e) {
      if (e.code() == ErrorCode.STREAM_TRUNCATED && type != FrameType.CANCEL) {
        throw peerReason(e);
      }
      throw e;
    }
  }

  /**
   * The peer went away while we were sending: if it said why (a CANCEL among the frames it sent
   * before closing), that is the error; otherwise the stream was truncated.
   */
  private SluiceException peerReason(SluiceException truncated) {
    try {
      for (int i = 0; i < 64; i++) {
        Frame f = channel.receive(PEER_REASON_WAIT);
        if (f.type() == FrameType.CANCEL) {
          return peerStop(Control.decodeCancel(f.payload()));
        }
      }
    } catch (SluiceException e) {
      // Nothing more from the peer.
    }
    return truncated;
  }

  private static PeerStop peerStop(Control.Cancel c) {
    if (c.code() == ErrorCode.CANCELLED.number()) {
      return new PeerStop(ErrorCode.CANCELLED, "the peer cancelled the PSI session");
    }
    return new PeerStop(
        ErrorCode.PEER_ABORTED,
        "the peer stopped the PSI session: error " + c.code() + " (" + c.message() + ")");
  }

  /**
   * The next frame, which must be one of {@code expected}.
   *
   * @throws SluiceException PROTOCOL_VIOLATION for an out-of-sequence or unexpected frame;
   *     CANCELLED or PEER_ABORTED when the peer sent CANCEL
   */
  Frame receive(FrameType... expected) {
    Frame f = channel.receive(timeout);
    if (f.encodedLength() > maxFrameBytes) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED, "PSI frame exceeds the session's maximum size");
    }
    if (f.type() == FrameType.CANCEL && f.sequence() >= nextReceive) {
      // A CANCEL may overtake data frames the peer had already numbered; it ends the session.
      throw peerStop(Control.decodeCancel(f.payload()));
    }
    if (f.sequence() != nextReceive) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION,
          "PSI frame out of sequence: expected #" + nextReceive + ", got #" + f.sequence());
    }
    nextReceive++;
    if (Arrays.stream(expected).noneMatch(t -> t == f.type())) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION,
          "unexpected PSI frame " + f.type() + ", expected " + Arrays.toString(expected));
    }
    return f;
  }

  /**
   * Ends the session after a failure: tells the peer (unless the peer stopped it), then closes our
   * end. Never throws.
   */
  void abort(SluiceException cause) {
    try {
      if (!(cause instanceof PeerStop) && cause.code() != ErrorCode.STREAM_TRUNCATED) {
        send(FrameType.CANCEL, Control.cancel(cause.code(), cause.getMessage()));
      }
    } catch (RuntimeException ignored) {
      // The channel is already gone; closing below is all that is left to do.
    } finally {
      channel.close();
    }
  }

  void close() {
    channel.close();
  }

  /** An error the peer reported; we do not echo a CANCEL back. */
  static final class PeerStop extends SluiceException {
    private static final long serialVersionUID = 1L;

    PeerStop(ErrorCode code, String message) {
      super(code, message);
    }
  }
}
