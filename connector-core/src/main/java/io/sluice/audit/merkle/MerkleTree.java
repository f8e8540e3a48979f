package io.sluice.audit.merkle;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Roots and RFC 9162 proofs over the stored leaf hashes of an append-only log: the inclusion proof
 * {@code PATH(m, D[n])} of §2.1.3.1 and the consistency proof {@code PROOF(m, D[n])} of §2.1.4.1,
 * both ordered from the leaves up, as the RFC lists them.
 *
 * <p>Every proof element is the hash of a subtree whose first leaf is aligned to its size: a
 * perfect subtree (2^j leaves) or a right-edge subtree, which is a right fold of perfect ones. The
 * hashes of perfect subtrees of 256 or more leaves are cached as they are first needed; they never
 * change in an append-only log. The first proof or root over n leaves therefore costs about n
 * hashes, later ones a few hundred at most, and the cache holds about n / 128 hashes (256 KiB of
 * hashes per million leaves).
 *
 * <p>Thread-safe if the {@link LeafHashes} is: the public methods are synchronized.
 */
public final class MerkleTree {
  static final int DEFAULT_CACHE_LEVEL = 8;

  private final LeafHashes leaves;
  private final int cacheLevel;
  private final TreeHasher hasher = new TreeHasher();

  /**
   * {@code cache.get(j - cacheLevel).get(i)}: the root of leaves [i * 2^j, (i + 1) * 2^j). Hashes
   * returned from here or from {@link LeafHashes} are shared, so results leave as copies.
   */
  private final List<List<byte[]>> cache = new ArrayList<>();

  public MerkleTree(LeafHashes leaves) {
    this(leaves, DEFAULT_CACHE_LEVEL);
  }

  /** With perfect subtrees of 2^{@code cacheLevel} leaves and up cached (tests vary it). */
  MerkleTree(LeafHashes leaves, int cacheLevel) {
    this.leaves = Objects.requireNonNull(leaves, "leaves");
    if (cacheLevel < 0 || cacheLevel > 62) {
      throw new IllegalArgumentException("cacheLevel " + cacheLevel);
    }
    this.cacheLevel = cacheLevel;
  }

  /**
   * The Merkle tree hash of the first {@code size} leaves (RFC 9162 §2.1.1).
   *
   * @throws SluiceException INVALID_ARGUMENT unless {@code 0 <= size <= leaves.size()}, or if a
   *     stored leaf hash is not 32 bytes
   */
  public synchronized byte[] rootAt(long size) {
    checkSize(size);
    return size == 0 ? TreeHasher.emptyRoot() : subtreeHash(0, size).clone();
  }

  /**
   * The inclusion proof {@code PATH(index, D[size])} of RFC 9162 §2.1.3.1: the sibling hashes on
   * the way from leaf {@code index} to the root of the first {@code size} leaves.
   *
   * @throws SluiceException INVALID_ARGUMENT unless {@code 0 <= index < size <= leaves.size()}
   */
  public synchronized List<byte[]> inclusionProof(long index, long size) {
    checkSize(size);
    if (index < 0 || index >= size) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "leaf index " + index + " is not in a tree of size " + size);
    }
    List<byte[]> proof = new ArrayList<>();
    path(index, 0, size, proof);
    return Collections.unmodifiableList(proof);
  }

  /**
   * The consistency proof {@code PROOF(size1, D[size2])} of RFC 9162 §2.1.4.1, which shows that the
   * tree of the first {@code size1} leaves is a prefix of the tree of the first {@code size2}.
   * Empty when the sizes are equal.
   *
   * @throws SluiceException INVALID_ARGUMENT unless {@code 0 < size1 <= size2 <= leaves.size()};
   *     the empty tree is a prefix of every tree, so a proof from it would prove nothing
   */
  public synchronized List<byte[]> consistencyProof(long size1, long size2) {
    checkSize(size2);
    if (size1 <= 0 || size1 > size2) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "no consistency proof from size " + size1 + " to size " + size2);
    }
    List<byte[]> proof = new ArrayList<>();
    subproof(size1, 0, size2, true, proof);
    return Collections.unmodifiableList(proof);
  }

  private void checkSize(long size) {
    long available = leaves.size();
    if (size < 0 || size > available) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "size " + size + " is outside the log of " + available);
    }
  }

  /** Appends {@code PATH(m, D[lo:hi])} to {@code out}, with m relative to lo. */
  private void path(long m, long lo, long hi, List<byte[]> out) {
    long n = hi - lo;
    if (n == 1) {
      return;
    }
    long k = Long.highestOneBit(n - 1); // the largest power of two smaller than n
    if (m < k) {
      path(m, lo, lo + k, out);
      out.add(subtreeHash(lo + k, hi).clone());
    } else {
      path(m - k, lo + k, hi, out);
      out.add(subtreeHash(lo, lo + k).clone());
    }
  }

  /** Appends {@code SUBPROOF(m, D[lo:hi], complete)} to {@code out}, with m relative to lo. */
  private void subproof(long m, long lo, long hi, boolean complete, List<byte[]> out) {
    long n = hi - lo;
    if (m == n) {
      if (!complete) {
        out.add(subtreeHash(lo, hi).clone());
      }
      return;
    }
    long k = Long.highestOneBit(n - 1);
    if (m <= k) {
      subproof(m, lo, lo + k, complete, out);
      out.add(subtreeHash(lo + k, hi).clone());
    } else {
      subproof(m - k, lo + k, hi, false, out);
      out.add(subtreeHash(lo, lo + k).clone());
    }
  }

  /**
   * {@code MTH(D[lo:hi])} for {@code hi > lo}, where lo is a multiple of the smallest power of two
   * that is at least {@code hi - lo} (true of every subtree the RFC's recursion visits). The range
   * splits into perfect subtrees, one per bit of its length, largest first; the hash is their right
   * fold.
   */
  private byte[] subtreeHash(long lo, long hi) {
    long n = hi - lo;
    byte[][] parts = new byte[Long.bitCount(n)][];
    int count = 0;
    long start = lo;
    for (int level = 63 - Long.numberOfLeadingZeros(n); level >= 0; level--) {
      if ((n >>> level & 1) != 0) {
        parts[count++] = perfectHash(start, level);
        start += 1L << level;
      }
    }
    byte[] hash = parts[count - 1];
    for (int i = count - 2; i >= 0; i--) {
      hash = hasher.hashChildren(parts[i], hash);
    }
    return hash;
  }

  /** The root of the perfect subtree of 2^level leaves starting at {@code start}. */
  private byte[] perfectHash(long start, int level) {
    if (level < cacheLevel) {
      return perfectHashFromLeaves(start, level);
    }
    return cachedPerfectHash(level, start >>> level);
  }

  private byte[] perfectHashFromLeaves(long start, int level) {
    if (level == 0) {
      return leafHash(start);
    }
    long half = 1L << (level - 1);
    return hasher.hashChildren(
        perfectHashFromLeaves(start, level - 1), perfectHashFromLeaves(start + half, level - 1));
  }

  /**
   * The root of perfect subtree {@code index} on {@code level >= cacheLevel}, filling the cache row
   * up to it in order. Rows only grow; an entry is computed once.
   */
  private byte[] cachedPerfectHash(int level, long index) {
    while (cache.size() <= level - cacheLevel) {
      cache.add(new ArrayList<>());
    }
    List<byte[]> row = cache.get(level - cacheLevel);
    if (index >= Integer.MAX_VALUE) {
      throw new SluiceException(ErrorCode.RESOURCE_EXHAUSTED, "the log is too large to cache");
    }
    while (row.size() <= index) {
      long next = row.size();
      byte[] hash =
          level == cacheLevel
              ? perfectHashFromLeaves(next << level, level)
              : hasher.hashChildren(
                  cachedPerfectHash(level - 1, 2 * next),
                  cachedPerfectHash(level - 1, 2 * next + 1));
      row.add(hash);
    }
    return row.get((int) index);
  }

  private byte[] leafHash(long index) {
    byte[] hash = leaves.leafHash(index);
    if (!TreeHasher.isHash(hash)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "stored leaf hash " + index + " is not " + TreeHasher.HASH_SIZE + " bytes");
    }
    return hash;
  }
}
