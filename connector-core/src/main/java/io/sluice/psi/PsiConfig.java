package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The parameters of one PSI session, as each party derives them from the agreement and its own
 * configuration. Both parties build one; the handshake checks that the values that must agree do
 * (mode, agreement id, session id, key epoch, batch size, tag length) and that each side's row
 * count is within the agreement's limits. Immutable; the builder checks every invariant.
 *
 * @param mode the computation
 * @param agreementId the FINALIZED agreement the session runs under (1 to 120 UTF-8 bytes)
 * @param sessionId unique per session (1 to 120 UTF-8 bytes); domain-separates the hashing
 * @param keyColumns the agreement's join key (canonical {@code sluice:keyColumns} text, e.g. {@code
 *     national_id:upper,visit_date}; 1 to 4096 UTF-8 bytes): both parties bind it into every hash,
 *     so parties that disagree on the key match nothing
 * @param keyEpoch psi-label only: the OPRF key epoch the sender's table belongs to (1 to 120 UTF-8
 *     bytes); empty for the other modes
 * @param maxReceiverRows the most distinct keys the receiver may submit: on the receiver the
 *     agreement's {@code inputRows}, on the sender exactly the count it admitted before the session
 * @param maxSenderRows the largest sender set this side accepts (bounds the receiver's work)
 * @param batchSize rows per data frame
 * @param maxInFlightBatches blinded batches the receiver sends ahead of the replies
 * @param maxFrameBytes the largest encoded frame either side sends or accepts
 * @param receiveTimeout how long to wait for each frame from the peer
 * @param minResultGroupSize receiver only: below this many matched keys nothing is released
 */
public record PsiConfig(
    PsiMode mode,
    String agreementId,
    String sessionId,
    String keyColumns,
    String keyEpoch,
    long maxReceiverRows,
    long maxSenderRows,
    int batchSize,
    int maxInFlightBatches,
    int maxFrameBytes,
    Duration receiveTimeout,
    long minResultGroupSize) {

  /**
   * Bytes of a match tag. With n_R = n_S = 10^8 rows the expected number of false matches between
   * distinct keys is n_R * n_S / 2^96 < 2^-42; see docs/psi.md.
   */
  public static final int TAG_LENGTH = 12;

  /** Default rows per data frame: 32Ki X25519 elements are 1 MiB of payload. */
  public static final int DEFAULT_BATCH_SIZE = 32_768;

  /** Default largest frame: room for a batch of 33-byte P-256 elements plus Arrow framing. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 8 << 20;

  /** Upper limit of a batch. */
  public static final int MAX_BATCH_SIZE = 1 << 20;

  /**
   * The most rows, and distinct keys, one side of one session may hold: 2^27 (134,217,728). Every
   * array a party sizes by a count stays within Java's int-indexed limits below it (12-byte tags of
   * all keys: 1.6 GB; hash indexes: at most 2^28 slots), so no size computation can overflow;
   * larger inputs are split into hash buckets, each a session.
   */
  public static final long MAX_ROWS = 1L << 27;

  static final int MAX_ID_BYTES = 120;

  static final int MAX_KEY_COLUMNS_BYTES = 4096;

  public PsiConfig {
    Objects.requireNonNull(mode, "mode");
    checkId("agreement id", agreementId, false);
    checkId("session id", sessionId, false);
    Objects.requireNonNull(keyColumns, "keyColumns");
    int keyBytes = keyColumns.getBytes(StandardCharsets.UTF_8).length;
    if (keyBytes == 0 || keyBytes > MAX_KEY_COLUMNS_BYTES) {
      throw invalid("key columns must be 1 to " + MAX_KEY_COLUMNS_BYTES + " bytes");
    }
    checkId("key epoch", keyEpoch, mode != PsiMode.LABEL);
    if (mode != PsiMode.LABEL && !keyEpoch.isEmpty()) {
      throw invalid("a key epoch is only meaningful for psi-label");
    }
    if (maxReceiverRows < 0 || maxReceiverRows > MAX_ROWS) {
      throw invalid("maxReceiverRows must be in [0, " + MAX_ROWS + "]");
    }
    if (maxSenderRows < 0 || maxSenderRows > MAX_ROWS) {
      throw invalid("maxSenderRows must be in [0, " + MAX_ROWS + "]");
    }
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw invalid("batchSize must be in [1, " + MAX_BATCH_SIZE + "]");
    }
    if (maxInFlightBatches < 1) {
      throw invalid("maxInFlightBatches must be positive");
    }
    // The largest data frame: a batch of 33-byte elements plus Arrow's schema and padding.
    long largest = (long) batchSize * 33 + 4096;
    if (maxFrameBytes < largest) {
      throw invalid("maxFrameBytes too small for batchSize (needs at least " + largest + ")");
    }
    if (mode == PsiMode.LABEL
        && maxFrameBytes < 2L * (LabelCrypto.MAX_CIPHERTEXT_BYTES + 64) + 4096) {
      throw invalid("maxFrameBytes too small for psi-label's largest sealed payload");
    }
    Objects.requireNonNull(receiveTimeout, "receiveTimeout");
    if (receiveTimeout.isNegative() || receiveTimeout.isZero()) {
      throw invalid("receiveTimeout must be positive");
    }
    if (minResultGroupSize < 0) {
      throw invalid("minResultGroupSize must not be negative");
    }
  }

  /**
   * A builder with the defaults: 32Ki-row batches, 4 in flight, 8 MiB frames, 10 min timeout.
   *
   * @param keyColumns the agreement's canonical key columns (see {@link #keyColumns()})
   */
  public static Builder builder(
      PsiMode mode, String agreementId, String sessionId, String keyColumns) {
    return new Builder(mode, agreementId, sessionId, keyColumns);
  }

  /**
   * SHA-256 of {@code "sluice/psi/key-columns/v2" || len || agreement || len || key columns}: what
   * the handshake compares and what the label tags bind. The session id is not in it: a psi-label
   * table serves every session of its epoch.
   */
  byte[] keyBinding() {
    return sha256(lengthPrefixedLong("sluice/psi/key-columns/v2", agreementId, keyColumns));
  }

  /**
   * The RFC 9380 domain separation tag of the X25519 modes' hash to curve25519: {@code
   * "sluice-psi-v2-"} followed by the hex of SHA-256 of the agreement, session and key columns
   * (length-prefixed), so the same identifier hashes to unrelated points in unrelated sessions and
   * under another key definition.
   */
  byte[] x25519Dst() {
    byte[] digest =
        sha256(lengthPrefixedLong("sluice/psi/x25519/v2", agreementId, sessionId, keyColumns));
    return ("sluice-psi-v2-" + java.util.HexFormat.of().formatHex(digest))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code label || (u16 length || UTF-8)*}: injective for fields of up to 65,535 bytes. */
  static byte[] lengthPrefixedLong(String label, String... fields) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    for (String f : fields) {
      byte[] b = f.getBytes(StandardCharsets.UTF_8);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  static byte[] sha256(byte[] data) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 unavailable", e);
    }
  }

  private static void checkId(String what, String value, boolean mayBeEmpty) {
    Objects.requireNonNull(value, what);
    int n = value.getBytes(StandardCharsets.UTF_8).length;
    if ((n == 0 && !mayBeEmpty) || n > MAX_ID_BYTES) {
      throw invalid(
          what + " must be " + (mayBeEmpty ? "0" : "1") + " to " + MAX_ID_BYTES + " bytes");
    }
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_ARGUMENT, message);
  }

  /** Builds a {@link PsiConfig}. */
  public static final class Builder {
    private final PsiMode mode;
    private final String agreementId;
    private final String sessionId;
    private final String keyColumns;
    private String keyEpoch = "";
    private long maxReceiverRows = MAX_ROWS;
    private long maxSenderRows = MAX_ROWS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int maxInFlightBatches = 4;
    private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
    private Duration receiveTimeout = Duration.ofMinutes(10);
    private long minResultGroupSize;

    private Builder(PsiMode mode, String agreementId, String sessionId, String keyColumns) {
      this.mode = mode;
      this.agreementId = agreementId;
      this.sessionId = sessionId;
      this.keyColumns = keyColumns;
    }

    public Builder keyEpoch(String keyEpoch) {
      this.keyEpoch = keyEpoch;
      return this;
    }

    /**
     * The receiver's limit: the agreement's {@code inputRows} on the receiver, the admitted count
     * on the sender.
     */
    public Builder maxReceiverRows(long maxReceiverRows) {
      this.maxReceiverRows = maxReceiverRows;
      return this;
    }

    public Builder maxSenderRows(long maxSenderRows) {
      this.maxSenderRows = maxSenderRows;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder maxInFlightBatches(int maxInFlightBatches) {
      this.maxInFlightBatches = maxInFlightBatches;
      return this;
    }

    public Builder maxFrameBytes(int maxFrameBytes) {
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    public Builder receiveTimeout(Duration receiveTimeout) {
      this.receiveTimeout = receiveTimeout;
      return this;
    }

    public Builder minResultGroupSize(long minResultGroupSize) {
      this.minResultGroupSize = minResultGroupSize;
      return this;
    }

    public PsiConfig build() {
      return new PsiConfig(
          mode,
          agreementId,
          sessionId,
          keyColumns,
          keyEpoch,
          maxReceiverRows,
          maxSenderRows,
          batchSize,
          maxInFlightBatches,
          maxFrameBytes,
          receiveTimeout,
          minResultGroupSize);
    }
  }
}
