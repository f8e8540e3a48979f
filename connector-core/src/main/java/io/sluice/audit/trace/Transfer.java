package io.sluice.audit.trace;

import java.util.OptionalInt;

/**
 * One frame or negotiation message from {@code sender} to {@code receiver}, with the timeline
 * entries that logged it on each side: {@code sent} (in the sender's log) and {@code received} (in
 * the receiver's), each absent when that side has no such entry. Every frame and message entry of
 * the trace that could be read belongs to exactly one transfer.
 */
public record Transfer(
    String sender,
    String receiver,
    Key key,
    OptionalInt sent,
    OptionalInt received,
    Status status) {

  /** What identifies a transfer between a sender and a receiver. */
  public sealed interface Key permits FrameKey, MessageKey {
    /** For people: "frame 7 of stream s-1/forward", "message m-3". */
    String describe();
  }

  /** A frame: the stream id both sides share and the frame's number in it. */
  public record FrameKey(String stream, long frame) implements Key {
    @Override
    public String describe() {
      return "frame " + frame + " of stream " + stream;
    }
  }

  /** A negotiation message, by its message id. */
  public record MessageKey(String message) implements Key {
    @Override
    public String describe() {
      return "message " + message;
    }
  }

  /** How the two sides' entries relate. */
  public enum Status {
    /** Both sides logged it once, with the same digest (and rows, bytes or message kind). */
    PAIRED,
    /** Both sides logged it, but with another digest, row or byte count or message kind. */
    MISMATCH,
    /** The sender logged it; the receiver's node was queried and has no entry for it. */
    NOT_RECEIVED,
    /** The receiver logged it; the sender's node was queried and has no entry for it. */
    NOT_SENT,
    /** A second (third, ...) entry for a key one side had already logged. */
    DUPLICATE,
    /** Only one side could be checked: the other side's node was not queried. */
    NOT_QUERIED
  }

  public boolean isFrame() {
    return key instanceof FrameKey;
  }
}
