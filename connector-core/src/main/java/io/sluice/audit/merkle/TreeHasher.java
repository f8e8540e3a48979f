package io.sluice.audit.merkle;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The RFC 9162 §2.1 hashes over SHA-256: {@code leaf = SHA-256(0x00 || entry)}, {@code node =
 * SHA-256(0x01 || left || right)} and, for the empty tree, {@code SHA-256("")}. The distinct
 * prefixes keep a leaf from being passed off as an inner node (second-preimage resistance of the
 * tree).
 *
 * <p>An instance holds one {@link MessageDigest} and is not thread-safe; it is cheap to create one
 * per task.
 */
public final class TreeHasher {
  /** The length in bytes of every hash in the tree. */
  public static final int HASH_SIZE = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  private final MessageDigest sha256;

  public TreeHasher() {
    this.sha256 = newSha256();
  }

  /** The leaf hash of one log entry: {@code SHA-256(0x00 || entry)}. */
  public byte[] hashLeaf(byte[] entry) {
    Objects.requireNonNull(entry, "entry");
    sha256.update(LEAF_PREFIX);
    sha256.update(entry);
    return sha256.digest();
  }

  /**
   * The hash of an inner node: {@code SHA-256(0x01 || left || right)}. Callers pass hashes whose
   * length they have already checked.
   */
  byte[] hashChildren(byte[] left, byte[] right) {
    sha256.update(NODE_PREFIX);
    sha256.update(left);
    sha256.update(right);
    return sha256.digest();
  }

  /** The root of the empty tree, {@code SHA-256("")}; a fresh array on every call. */
  public static byte[] emptyRoot() {
    return newSha256().digest();
  }

  static boolean isHash(byte[] value) {
    return value != null && value.length == HASH_SIZE;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256, so this is a broken runtime.
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 is not available", e);
    }
  }
}
