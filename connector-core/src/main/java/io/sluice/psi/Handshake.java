package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The HELLO payload. Each side announces the session parameters it was configured with and its own
 * row count; the other side checks them before any data moves. Encoding (big-endian):
 *
 * <pre>
 *   version u8 (2) | mode u8 | tag length u8 | batch size u32 | row count u64
 *   | agreement id (u8 length, UTF-8) | session id (u8 length, UTF-8) | key epoch (u8 length, UTF-8)
 *   | key binding (32 bytes: {@link PsiConfig#keyBinding()})
 * </pre>
 *
 * The row count is the number of <em>distinct</em> keys the party will send (rows without a key and
 * repeated keys are not announced, so neither is visible to the peer). Decoding is strict: no
 * trailing bytes, valid UTF-8, lengths within {@link PsiConfig} limits.
 */
record Handshake(
    PsiMode mode,
    int tagLength,
    int batchSize,
    long rowCount,
    String agreementId,
    String sessionId,
    String keyEpoch,
    byte[] keyBinding) {

  private static final int VERSION = 2;
  private static final int BINDING_LENGTH = 32;

  static Handshake of(PsiConfig config, long rowCount) {
    return new Handshake(
        config.mode(),
        PsiConfig.TAG_LENGTH,
        config.batchSize(),
        rowCount,
        config.agreementId(),
        config.sessionId(),
        config.keyEpoch(),
        config.keyBinding());
  }

  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    out.write(mode.code());
    out.write(tagLength);
    out.writeBytes(ByteBuffer.allocate(12).putInt(batchSize).putLong(rowCount).array());
    writeString(out, agreementId);
    writeString(out, sessionId);
    writeString(out, keyEpoch);
    out.writeBytes(keyBinding);
    return out.toByteArray();
  }

  static Handshake decode(byte[] payload) {
    try {
      ByteBuffer in = ByteBuffer.wrap(payload);
      int version = in.get() & 0xff;
      if (version != VERSION) {
        throw malformed("unsupported PSI handshake version " + version);
      }
      PsiMode mode = PsiMode.ofCode(in.get() & 0xff);
      int tagLength = in.get() & 0xff;
      int batchSize = in.getInt();
      long rowCount = in.getLong();
      String agreementId = readString(in);
      String sessionId = readString(in);
      String keyEpoch = readString(in);
      byte[] keyBinding = new byte[BINDING_LENGTH];
      in.get(keyBinding);
      if (in.hasRemaining()) {
        throw malformed("trailing bytes after the PSI handshake");
      }
      if (rowCount < 0) {
        throw malformed("negative row count in the PSI handshake");
      }
      return new Handshake(
          mode, tagLength, batchSize, rowCount, agreementId, sessionId, keyEpoch, keyBinding);
    } catch (BufferUnderflowException e) {
      throw malformed("truncated PSI handshake");
    }
  }

  /**
   * Checks the peer's handshake against our configuration: every shared parameter equal, and the
   * peer's row count within the agreement's limit for its role.
   *
   * @param peerIsReceiver whether the peer plays the receiver
   */
  void checkAgainst(PsiConfig config, boolean peerIsReceiver) {
    mismatch(mode != config.mode(), "mode");
    mismatch(tagLength != PsiConfig.TAG_LENGTH, "tag length");
    mismatch(batchSize != config.batchSize(), "batch size");
    mismatch(!agreementId.equals(config.agreementId()), "agreement id");
    mismatch(!sessionId.equals(config.sessionId()), "session id");
    mismatch(!keyEpoch.equals(config.keyEpoch()), "key epoch");
    mismatch(!java.security.MessageDigest.isEqual(keyBinding, config.keyBinding()), "key columns");
    long limit = peerIsReceiver ? config.maxReceiverRows() : config.maxSenderRows();
    if (rowCount > limit) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "the peer's "
              + (peerIsReceiver ? "receiver" : "sender")
              + " set of "
              + rowCount
              + " distinct keys exceeds the limit of "
              + limit);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Handshake h
        && h.mode == mode
        && h.tagLength == tagLength
        && h.batchSize == batchSize
        && h.rowCount == rowCount
        && h.agreementId.equals(agreementId)
        && h.sessionId.equals(sessionId)
        && h.keyEpoch.equals(keyEpoch)
        && java.util.Arrays.equals(h.keyBinding, keyBinding);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(mode, batchSize, rowCount, agreementId, sessionId, keyEpoch)
        ^ java.util.Arrays.hashCode(keyBinding);
  }

  private static void mismatch(boolean differs, String what) {
    if (differs) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "PSI handshake mismatch: " + what + " differs");
    }
  }

  /** {@code label || (u8 length || UTF-8)*}: an injective encoding of a label and short fields. */
  static byte[] lengthPrefixed(String label, String... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    for (String f : fields) {
      writeString(out, f);
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 255) {
      throw new IllegalArgumentException("field longer than 255 bytes");
    }
    out.write(b.length);
    out.writeBytes(b);
  }

  private static String readString(ByteBuffer in) {
    int n = in.get() & 0xff;
    if (n > PsiConfig.MAX_ID_BYTES) {
      throw malformed("identifier too long in the PSI handshake");
    }
    byte[] b = new byte[n];
    in.get(b);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("invalid UTF-8 in the PSI handshake");
    }
  }

  private static SluiceException malformed(String message) {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}
