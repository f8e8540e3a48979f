package io.sluice.psi;

import io.sluice.compute.runtime.WireFrame;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Objects;

/**
 * One PSI protocol message: a type, a per-direction sequence number and a payload. Encoding (all
 * integers big-endian):
 *
 * <pre>
 *   offset  size  field
 *   0       1     version, 1
 *   1       1     type ({@link FrameType#code()})
 *   2       8     sequence number, 0 to 2^63-1
 *   10      4     payload length L
 *   14      L     payload
 * </pre>
 *
 * <p>{@link #decode} accepts exactly this: total length {@code 14 + L}, no trailing byte, a known
 * version and type. A frame longer than the configured maximum is refused before it is parsed
 * ({@link ErrorCode#RESOURCE_EXHAUSTED}). The payload is not copied on encode or decode beyond one
 * copy into or out of the frame bytes. Integrity in transit is the transport's (mTLS) job.
 */
public record Frame(FrameType type, long sequence, byte[] payload) {
  /** Encoding version. */
  public static final int VERSION = WireFrame.VERSION;

  /** Bytes before the payload. */
  public static final int HEADER_LENGTH = WireFrame.HEADER_LENGTH;

  public Frame {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative");
    }
  }

  /** The wire bytes. */
  public byte[] encode() {
    return toWire().encode();
  }

  /** Length of {@link #encode()}. */
  /** Rows carried by a data frame (BLINDED, REPLY, SENDER_SET); 0 for control frames. */
  public long dataRows() {
    return switch (type) {
      case BLINDED, REPLY, SENDER_SET -> ArrowFrames.rowCount(payload);
      default -> 0;
    };
  }

  public int encodedLength() {
    return HEADER_LENGTH + payload.length;
  }

  /**
   * Strictly parses wire bytes.
   *
   * @throws SluiceException {@link ErrorCode#RESOURCE_EXHAUSTED} if longer than {@code
   *     maxFrameBytes}; {@link ErrorCode#MALFORMED_MESSAGE} for a short frame, a length field that
   *     disagrees with the frame's length, an unknown version or type, or a negative sequence
   */
  public static Frame decode(byte[] bytes, int maxFrameBytes) {
    return of(WireFrame.decode(bytes, maxFrameBytes, PsiFrames.VOCABULARY));
  }

  /** This frame as the runtime carries it. */
  public WireFrame toWire() {
    return new WireFrame(type.code(), sequence, payload);
  }

  /** A frame the runtime carried, which {@link PsiFrames#VOCABULARY} knows. */
  public static Frame of(WireFrame wire) {
    return new Frame(FrameType.ofCode(wire.type()), wire.sequence(), wire.payload());
  }

  @Override
  public String toString() {
    return "Frame[" + type + " #" + sequence + ", " + payload.length + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f
        && f.type == type
        && f.sequence == sequence
        && java.util.Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * type.hashCode() + Long.hashCode(sequence))
        + java.util.Arrays.hashCode(payload);
  }
}
