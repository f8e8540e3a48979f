package io.sluice.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The canonical byte encoding of an audit entry: the leaf of the Merkle tree. It takes the stored
 * column values as they are, so the verifier re-encodes rows without trusting (or even parsing)
 * them. Layout, integers big-endian:
 *
 * <pre>
 * u8   version        0x01
 * u64  sequence       the entry's index (so moving an entry changes its leaf)
 * i64  time           microseconds since 1970-01-01T00:00:00Z
 * str  event_type     the {@link EventType} name
 * str  trace_id
 * str  session_id
 * str  actor
 * str  counterparty
 * str  agreement_id
 * bin  digest
 * str  details        canonical JSON text
 * </pre>
 *
 * where {@code str} is a u32 byte length followed by the UTF-8 bytes and {@code bin} a u32 length
 * followed by the bytes. Every variable field carries its length, so two different entries never
 * encode to the same bytes.
 */
final class EntryCodec {
  static final byte VERSION = 1;

  private EntryCodec() {}

  static byte[] encode(
      long sequence,
      long timeMicros,
      String eventType,
      String traceId,
      String sessionId,
      String actor,
      String counterparty,
      String agreementId,
      byte[] digest,
      String details) {
    byte[][] strings = {
      utf8(eventType),
      utf8(traceId),
      utf8(sessionId),
      utf8(actor),
      utf8(counterparty),
      utf8(agreementId),
      digest,
      utf8(details)
    };
    int length = 1 + 8 + 8;
    for (byte[] s : strings) {
      length += 4 + s.length;
    }
    ByteBuffer out = ByteBuffer.allocate(length).put(VERSION).putLong(sequence).putLong(timeMicros);
    for (byte[] s : strings) {
      out.putInt(s.length).put(s);
    }
    return out.array();
  }

  /**
   * Decodes an entry from its leaf bytes (as a remote node serves them with their inclusion proof),
   * strictly: exact lengths, known version and event type, valid UTF-8, nothing after the end.
   */
  static AuditEntry decode(byte[] leaf) {
    try {
      ByteBuffer in = ByteBuffer.wrap(leaf);
      if (in.get() != VERSION) {
        throw new IllegalArgumentException("version");
      }
      long sequence = in.getLong();
      long time = in.getLong();
      String type = text(in);
      String trace = text(in);
      String session = text(in);
      String actor = text(in);
      String counterparty = text(in);
      String agreement = text(in);
      byte[] digest = bytes(in);
      String details = text(in);
      if (in.hasRemaining() || sequence < 0) {
        throw new IllegalArgumentException("trailing bytes");
      }
      AuditEvent event =
          AuditEvent.stored(
              time,
              EventType.valueOf(type),
              trace,
              session,
              actor,
              counterparty,
              agreement,
              digest,
              details);
      AuditEntry entry = new AuditEntry(sequence, event);
      if (!java.util.Arrays.equals(entry.encode(), leaf)) {
        throw new IllegalArgumentException("not canonical");
      }
      return entry;
    } catch (RuntimeException e) {
      throw new io.sluice.error.SluiceException(
          io.sluice.error.ErrorCode.MALFORMED_MESSAGE, "malformed audit entry");
    }
  }

  private static byte[] bytes(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("length");
    }
    byte[] out = new byte[length];
    in.get(out);
    return out;
  }

  private static String text(ByteBuffer in) {
    byte[] b = bytes(in);
    java.nio.charset.CharsetDecoder strict =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    try {
      return strict.decode(ByteBuffer.wrap(b)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("utf-8");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
