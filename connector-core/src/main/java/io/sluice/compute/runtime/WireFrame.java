package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message of a joint computation between two nodes, whatever its kind: a type (the kind's own,
 * see {@link FrameVocabulary}), a per-direction sequence number and a payload. Encoding (all
 * integers big-endian):
 *
 * <pre>
 *   offset  size  field
 *   0       1     version, 1
 *   1       1     type, 1 to 255 (the kind's code)
 *   2       8     sequence number, 0 to 2^63-1
 *   10      4     payload length L
 *   14      L     payload
 * </pre>
 *
 * <p>{@link #decode} accepts exactly this: total length {@code 14 + L}, no trailing byte, the known
 * version, a type the kind knows. A frame longer than the configured maximum is refused before it
 * is parsed ({@link ErrorCode#RESOURCE_EXHAUSTED}). Integrity in transit is the transport's (mTLS)
 * job.
 */
public record WireFrame(int type, long sequence, byte[] payload) {
  /** Encoding version. */
  public static final int VERSION = 1;

  /** Bytes before the payload. */
  public static final int HEADER_LENGTH = 14;

  public WireFrame {
    Objects.requireNonNull(payload, "payload");
    if (type < 1 || type > 255) {
      throw new IllegalArgumentException("frame type must be 1 to 255");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative");
    }
  }

  /** The wire bytes. */
  public byte[] encode() {
    return ByteBuffer.allocate(HEADER_LENGTH + payload.length)
        .put((byte) VERSION)
        .put((byte) type)
        .putLong(sequence)
        .putInt(payload.length)
        .put(payload)
        .array();
  }

  public int encodedLength() {
    return HEADER_LENGTH + payload.length;
  }

  /**
   * Strictly parses wire bytes.
   *
   * @param vocabulary the kind whose frames these are: an unknown type is refused
   * @throws SluiceException {@link ErrorCode#RESOURCE_EXHAUSTED} if longer than {@code
   *     maxFrameBytes}; {@link ErrorCode#MALFORMED_MESSAGE} for a short frame, a length field that
   *     disagrees with the frame's length, an unknown version or type, or a negative sequence
   */
  public static WireFrame decode(byte[] bytes, int maxFrameBytes, FrameVocabulary vocabulary) {
    Objects.requireNonNull(bytes, "bytes");
    String kind = vocabulary.kind();
    if (bytes.length > maxFrameBytes) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED,
          kind + " frame of " + bytes.length + " bytes exceeds the maximum of " + maxFrameBytes);
    }
    if (bytes.length < HEADER_LENGTH) {
      throw malformed(kind + " frame shorter than its header");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    int version = in.get() & 0xff;
    if (version != VERSION) {
      throw malformed("unsupported " + kind + " frame version " + version);
    }
    int type = in.get() & 0xff;
    if (!vocabulary.knows(type)) {
      throw malformed("unknown " + kind + " frame type " + type);
    }
    long sequence = in.getLong();
    if (sequence < 0) {
      throw malformed("negative " + kind + " frame sequence number");
    }
    long length = in.getInt() & 0xffffffffL;
    if (length != bytes.length - HEADER_LENGTH) {
      throw malformed(kind + " frame length field does not match the frame");
    }
    byte[] payload = new byte[(int) length];
    in.get(payload);
    return new WireFrame(type, sequence, payload);
  }

  private static SluiceException malformed(String message) {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WireFrame f
        && f.type == type
        && f.sequence == sequence
        && Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * type + Long.hashCode(sequence)) + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "WireFrame[type " + type + " #" + sequence + ", " + payload.length + " bytes]";
  }
}
