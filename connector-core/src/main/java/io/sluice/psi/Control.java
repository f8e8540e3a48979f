package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Payloads of the small control frames (big-endian):
 *
 * <pre>
 *   END     stream u8 (the data frame type that ended) | row count u64
 *   RESULT  outcome u8 (0 released, 1 withheld) | reason (u16 length, UTF-8, at most 256 bytes)
 *   CANCEL  error code number u32 | message (u16 length, UTF-8, at most 256 bytes)
 * </pre>
 *
 * A RESULT never carries a count: the sender learns only whether the result was released.
 */
final class Control {
  static final int MAX_TEXT_BYTES = 256;

  private Control() {}

  record End(FrameType stream, long rows) {}

  record Result(PsiOutcome outcome, String reason) {}

  record Cancel(int code, String message) {}

  static byte[] end(FrameType stream, long rows) {
    return ByteBuffer.allocate(9).put((byte) stream.code()).putLong(rows).array();
  }

  static End decodeEnd(byte[] payload) {
    if (payload.length != 9) {
      throw malformed("END frame of the wrong length");
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    FrameType stream = FrameType.ofCode(in.get() & 0xff);
    long rows = in.getLong();
    if (rows < 0) {
      throw malformed("negative row count in END");
    }
    return new End(stream, rows);
  }

  static byte[] result(PsiOutcome outcome, String reason) {
    byte[] text = text(reason);
    return ByteBuffer.allocate(3 + text.length)
        .put((byte) (outcome == PsiOutcome.RELEASED ? 0 : 1))
        .putShort((short) text.length)
        .put(text)
        .array();
  }

  static Result decodeResult(byte[] payload) {
    try {
      ByteBuffer in = ByteBuffer.wrap(payload);
      int o = in.get() & 0xff;
      if (o > 1) {
        throw malformed("unknown outcome in RESULT");
      }
      String reason = readText(in);
      return new Result(o == 0 ? PsiOutcome.RELEASED : PsiOutcome.WITHHELD, reason);
    } catch (BufferUnderflowException e) {
      throw malformed("truncated RESULT frame");
    }
  }

  static byte[] cancel(ErrorCode code, String message) {
    byte[] text = text(message);
    return ByteBuffer.allocate(6 + text.length)
        .putInt(code.number())
        .putShort((short) text.length)
        .put(text)
        .array();
  }

  static Cancel decodeCancel(byte[] payload) {
    try {
      ByteBuffer in = ByteBuffer.wrap(payload);
      int code = in.getInt();
      return new Cancel(code, readText(in));
    } catch (BufferUnderflowException e) {
      throw malformed("truncated CANCEL frame");
    }
  }

  private static byte[] text(String s) {
    byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_TEXT_BYTES) {
      return b;
    }
    // Cut on a character boundary.
    String cut = new String(b, 0, MAX_TEXT_BYTES, StandardCharsets.UTF_8);
    while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT_BYTES) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut.getBytes(StandardCharsets.UTF_8);
  }

  private static String readText(ByteBuffer in) {
    int n = in.getShort() & 0xffff;
    if (n > MAX_TEXT_BYTES || n != in.remaining()) {
      throw malformed("control frame text of the wrong length");
    }
    byte[] b = new byte[n];
    in.get(b);
    // Peer text is shown to people: keep printable characters only.
    StringBuilder s = new StringBuilder();
    new String(b, StandardCharsets.UTF_8)
        .codePoints()
        .forEach(c -> s.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return s.toString();
  }

  private static SluiceException malformed(String message) {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}
