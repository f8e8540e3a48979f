package io.sluice.audit.merkle;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A tree head: the size and root of the audit log's Merkle tree at a moment, and the canonical
 * bytes that the node signs for it (the signature itself is made elsewhere, with the node's key).
 *
 * <p>Encoding, 59 bytes, every integer unsigned big-endian:
 *
 * <pre>
 * offset  length  field
 *      0      10  label      ASCII "sluice-sth" (domain separation from other signed bytes)
 *     10       1  version    0x01
 *     11       8  tree_size  number of leaves, below 2^63
 *     19       8  timestamp  milliseconds since 1970-01-01T00:00:00Z, below 2^63
 *     27      32  root_hash  RFC 9162 Merkle tree hash (SHA-256)
 * </pre>
 *
 * <p>All fields have a fixed width, so the encoding is unique and needs no length prefixes. The
 * timestamp has millisecond precision, as in RFC 9162; the constructor truncates to it so that a
 * tree head and its parsed encoding are equal. A size-0 tree head must carry the empty tree's root,
 * {@code SHA-256("")}. The log's identity is not encoded: the signing key binds it.
 */
public final class TreeHead {
  /** The length of {@link #encode()}. */
  public static final int ENCODED_LENGTH = 59;

  private static final byte[] LABEL = "sluice-sth".getBytes(StandardCharsets.US_ASCII);
  private static final byte VERSION = 1;

  private final long size;
  private final byte[] rootHash;
  private final Instant timestamp;

  /**
   * @param size the number of leaves, not negative
   * @param rootHash the 32-byte root; {@code SHA-256("")} when size is 0
   * @param timestamp at or after the epoch; truncated to milliseconds
   * @throws SluiceException INVALID_ARGUMENT when a field is out of range
   */
  public TreeHead(long size, byte[] rootHash, Instant timestamp) {
    Objects.requireNonNull(rootHash, "rootHash");
    Objects.requireNonNull(timestamp, "timestamp");
    if (size < 0) {
      throw invalid("the tree size must not be negative");
    }
    if (!TreeHasher.isHash(rootHash)) {
      throw invalid("the root hash must be " + TreeHasher.HASH_SIZE + " bytes");
    }
    if (size == 0 && !MessageDigest.isEqual(rootHash, TreeHasher.emptyRoot())) {
      throw invalid("an empty tree must have the empty root");
    }
    if (timestamp.isBefore(Instant.EPOCH)) {
      throw invalid("the timestamp must not be before the epoch");
    }
    try {
      timestamp.toEpochMilli();
    } catch (ArithmeticException e) {
      throw invalid("the timestamp is too far in the future");
    }
    this.size = size;
    this.rootHash = rootHash.clone();
    this.timestamp = timestamp.truncatedTo(ChronoUnit.MILLIS);
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public long size() {
    return size;
  }

  /** The 32-byte root; a fresh array. */
  public byte[] rootHash() {
    return rootHash.clone();
  }

  public Instant timestamp() {
    return timestamp;
  }

  /** The canonical bytes to sign: {@link #ENCODED_LENGTH} bytes, laid out as in the class doc. */
  public byte[] encode() {
    return ByteBuffer.allocate(ENCODED_LENGTH)
        .put(LABEL)
        .put(VERSION)
        .putLong(size)
        .putLong(timestamp.toEpochMilli())
        .put(rootHash)
        .array();
  }

  /**
   * Parses {@link #encode()}'s output, strictly: exactly {@link #ENCODED_LENGTH} bytes, the label,
   * version 1, and fields in range.
   *
   * @throws SluiceException MALFORMED_MESSAGE if the bytes are not such an encoding
   */
  public static TreeHead parse(byte[] encoded) {
    Objects.requireNonNull(encoded, "encoded");
    if (encoded.length != ENCODED_LENGTH) {
      throw malformed("a tree head is " + ENCODED_LENGTH + " bytes, not " + encoded.length);
    }
    ByteBuffer in = ByteBuffer.wrap(encoded);
    byte[] label = new byte[LABEL.length];
    in.get(label);
    if (!Arrays.equals(label, LABEL)) {
      throw malformed("not a tree head");
    }
    byte version = in.get();
    if (version != VERSION) {
      throw malformed("unsupported tree head version " + Byte.toUnsignedInt(version));
    }
    long size = in.getLong();
    long millis = in.getLong();
    byte[] rootHash = new byte[TreeHasher.HASH_SIZE];
    in.get(rootHash);
    if (size < 0 || millis < 0) {
      throw malformed("a tree head field is out of range");
    }
    try {
      return new TreeHead(size, rootHash, Instant.ofEpochMilli(millis));
    } catch (SluiceException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, e.getMessage(), e);
    }
  }

  private static SluiceException malformed(String message) {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeHead other
        && size == other.size
        && Arrays.equals(rootHash, other.rootHash)
        && timestamp.equals(other.timestamp);
  }

  @Override
  public int hashCode() {
    return Objects.hash(size, Arrays.hashCode(rootHash), timestamp);
  }

  @Override
  public String toString() {
    return "TreeHead[size="
        + size
        + ", root="
        + HexFormat.of().formatHex(rootHash)
        + ", timestamp="
        + timestamp
        + "]";
  }
}
