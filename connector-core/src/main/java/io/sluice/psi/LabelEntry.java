package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The plaintext of one psi-label table entry: every payload of the sender rows that share one key,
 * padded with zeros to the table's entry length so that a sealed entry's size says nothing about
 * how many rows share its key or how long their values are. Encoding (big-endian):
 *
 * <pre>
 *   count u32 (at least 1) | count x (length u32 | payload) | zero bytes up to the entry length
 * </pre>
 */
final class LabelEntry {
  /** The largest entry (all payloads of one key, encoded): larger groups are refused. */
  static final int MAX_ENTRY_BYTES = 256 * 1024;

  private LabelEntry() {}

  /** The encoded length of an entry holding payloads of these lengths. */
  static long encodedLength(long count, long payloadBytes) {
    return 4 + 4 * count + payloadBytes;
  }

  static byte[] encode(List<byte[]> payloads, int entryBytes) {
    ByteBuffer out = ByteBuffer.allocate(entryBytes);
    out.putInt(payloads.size());
    for (byte[] p : payloads) {
      out.putInt(p.length).put(p);
    }
    return out.array(); // the rest is zero
  }

  /**
   * The payloads of an entry, strictly: a positive count, lengths within the entry, zero padding.
   *
   * @throws SluiceException MALFORMED_MESSAGE otherwise
   */
  static List<byte[]> decode(byte[] entry) {
    ByteBuffer in = ByteBuffer.wrap(entry);
    if (in.remaining() < 4) {
      throw malformed();
    }
    int count = in.getInt();
    if (count < 1 || count > (entry.length - 4) / 4) {
      throw malformed();
    }
    List<byte[]> payloads = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (in.remaining() < 4) {
        throw malformed();
      }
      int n = in.getInt();
      if (n < 0 || n > in.remaining() || n > LabelCrypto.MAX_PAYLOAD_BYTES) {
        throw malformed();
      }
      byte[] p = new byte[n];
      in.get(p);
      payloads.add(p);
    }
    while (in.hasRemaining()) {
      if (in.get() != 0) {
        throw malformed();
      }
    }
    return payloads;
  }

  private static SluiceException malformed() {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, "a psi-label entry is malformed");
  }
}
