package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;

/** The kinds of PSI frame, with their stable wire codes. See docs/psi.md for who sends which. */
public enum FrameType {
  /** Handshake: mode, ids, row count, batch size, tag length, key epoch. Each side sends one. */
  HELLO(1),
  /** Receiver to sender: one Arrow batch of the receiver's blinded elements. */
  BLINDED(2),
  /** Sender to receiver: one Arrow batch answering BLINDED batches (tags or evaluated elements). */
  REPLY(3),
  /**
   * Sender to receiver: one Arrow batch of the sender's own set (elements, or label table rows).
   */
  SENDER_SET(4),
  /** End of one stream of data frames, with its row count. */
  END(5),
  /** Receiver to sender: the outcome (released, or withheld below the minimum group size). */
  RESULT(6),
  /** Either way: the sender of this frame stops the session (error code and a short message). */
  CANCEL(7);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  static FrameType ofCode(int code) {
    for (FrameType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "unknown PSI frame type " + code);
  }
}
