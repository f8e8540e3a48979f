package io.sluice.audit.merkle;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Objects;

/**
 * The root of an append-only log, kept up to date as leaves are appended, in O(log n) memory.
 *
 * <p>The RFC 9162 tree of n leaves splits into perfect subtrees, one of size 2<sup>j</sup> for each
 * bit j set in n, largest on the left. The accumulator keeps just the roots of those subtrees (the
 * "compact range" or frontier). Appending a leaf merges equal-sized subtrees like a binary carry,
 * so n appends cost n - 1 node hashes in total; {@link #root()} folds the frontier from the right
 * in at most 62 more.
 *
 * <p>Not thread-safe: the owner of the log appends from one thread or synchronizes.
 */
public final class MerkleAccumulator {
  /** Sizes are non-negative longs, so at most bits 0..62 are set. */
  private static final int MAX_LEVELS = 63;

  private final TreeHasher hasher = new TreeHasher();

  /**
   * {@code frontier[j]} is the root of the perfect subtree of 2^j leaves iff bit j of size is 1.
   */
  private final byte[][] frontier = new byte[MAX_LEVELS][];

  private long size;

  /** An accumulator for the empty log. */
  public MerkleAccumulator() {}

  /**
   * An accumulator over the first {@code size} leaves of {@code leaves}: O(size) hashing, O(log
   * size) memory. This is how a log recomputes a root it signed earlier from its stored leaf
   * hashes.
   *
   * @throws SluiceException INVALID_ARGUMENT if {@code size} is negative or beyond {@code
   *     leaves.size()}, or a stored leaf hash is not 32 bytes
   */
  public static MerkleAccumulator over(LeafHashes leaves, long size) {
    Objects.requireNonNull(leaves, "leaves");
    if (size < 0 || size > leaves.size()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "size " + size + " is outside the log of " + leaves.size());
    }
    MerkleAccumulator accumulator = new MerkleAccumulator();
    for (long i = 0; i < size; i++) {
      accumulator.appendLeafHash(leaves.leafHash(i));
    }
    return accumulator;
  }

  /** The root of the first {@code size} leaves; shorthand for {@code over(leaves, size).root()}. */
  public static byte[] rootOf(LeafHashes leaves, long size) {
    return over(leaves, size).root();
  }

  /**
   * Appends one log entry and returns its leaf hash, which the caller stores to serve proofs.
   *
   * @throws SluiceException RESOURCE_EXHAUSTED if the log already holds 2^63 - 1 leaves
   */
  public byte[] appendEntry(byte[] entry) {
    byte[] leafHash = hasher.hashLeaf(entry);
    append(leafHash);
    return leafHash.clone();
  }

  /**
   * Appends a leaf hash computed earlier (by {@link TreeHasher#hashLeaf}).
   *
   * @throws SluiceException INVALID_ARGUMENT if it is not 32 bytes; RESOURCE_EXHAUSTED if the log
   *     already holds 2^63 - 1 leaves
   */
  public void appendLeafHash(byte[] leafHash) {
    if (!TreeHasher.isHash(leafHash)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "a leaf hash must be " + TreeHasher.HASH_SIZE + " bytes");
    }
    append(leafHash.clone());
  }

  private void append(byte[] leafHash) {
    if (size == Long.MAX_VALUE) {
      throw new SluiceException(ErrorCode.RESOURCE_EXHAUSTED, "the log is full");
    }
    byte[] carry = leafHash;
    int level = 0;
    while ((size >>> level & 1) != 0) {
      carry = hasher.hashChildren(frontier[level], carry);
      frontier[level] = null;
      level++;
    }
    frontier[level] = carry;
    size++;
  }

  /** The number of leaves appended so far. */
  public long size() {
    return size;
  }

  /** The RFC 9162 Merkle tree hash of all leaves appended so far; a fresh array. */
  public byte[] root() {
    if (size == 0) {
      return TreeHasher.emptyRoot();
    }
    int level = Long.numberOfTrailingZeros(size);
    byte[] root = frontier[level];
    for (level++; level < MAX_LEVELS; level++) {
      if ((size >>> level & 1) != 0) {
        root = hasher.hashChildren(frontier[level], root);
      }
    }
    return root.clone();
  }
}
