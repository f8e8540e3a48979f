package io.sluice.audit.merkle;

import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * Verifies RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs. Proofs come from peers,
 * so a malformed or wrong proof is an expected outcome: the result is {@code false}, never an
 * exception. A {@code null} argument is a programming error and throws.
 *
 * <p>Rejected as {@code false}: a proof element that is not exactly 32 bytes (or is null), a leaf
 * hash that is not 32 bytes, an index outside {@code [0, size)}, a negative size (a wire uint64 of
 * 2^63 or more), a proof longer or shorter than the path, and any mismatch of the computed roots.
 *
 * <p>Sizes are bound through the roots, not the proof: the same proof can verify for two sizes
 * whose trees have the same shape along the path (say index 0 in trees of 3 and 4 leaves), but then
 * it yields the root of only one of them. Take size and root together from one {@link TreeHead}, as
 * the {@code TreeHead} overloads do.
 */
public final class MerkleVerifier {

  private MerkleVerifier() {}

  /**
   * Whether {@code proof} shows that {@code leafHash} is the leaf at {@code index} in the tree of
   * {@code size} leaves with root {@code root}.
   */
  public static boolean verifyInclusion(
      long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
    Objects.requireNonNull(leafHash, "leafHash");
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(root, "root");
    if (index < 0
        || index >= size
        || !TreeHasher.isHash(leafHash)
        || !TreeHasher.isHash(root)
        || !allHashes(proof)) {
      return false;
    }
    TreeHasher hasher = new TreeHasher();
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        return false; // the proof is longer than the path
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = hasher.hashChildren(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        r = hasher.hashChildren(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /** {@link #verifyInclusion(long, long, byte[], List, byte[])} against a tree head. */
  public static boolean verifyInclusion(
      long index, byte[] leafHash, List<byte[]> proof, TreeHead head) {
    return verifyInclusion(index, head.size(), leafHash, proof, head.rootHash());
  }

  /**
   * Whether {@code proof} shows that the tree of {@code size1} leaves with root {@code root1} is a
   * prefix of the tree of {@code size2} leaves with root {@code root2}.
   *
   * <p>Edge cases, as RFC 9162 and the transparency-dev test data have them: {@code size1 == 0} is
   * rejected (the RFC defines proofs for {@code 0 < size1} only, and one from the empty tree would
   * prove nothing); {@code size1 > size2} is rejected; {@code size1 == size2} holds iff the proof
   * is empty and the roots are byte-for-byte equal (no hash is computed, so their length is not
   * checked); otherwise an empty proof is rejected.
   */
  public static boolean verifyConsistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    Objects.requireNonNull(root1, "root1");
    Objects.requireNonNull(root2, "root2");
    Objects.requireNonNull(proof, "proof");
    if (size1 <= 0 || size2 < size1) {
      return false;
    }
    if (size1 == size2) {
      return proof.isEmpty() && MessageDigest.isEqual(root1, root2);
    }
    if (proof.isEmpty()
        || !TreeHasher.isHash(root1)
        || !TreeHasher.isHash(root2)
        || !allHashes(proof)) {
      return false;
    }
    TreeHasher hasher = new TreeHasher();
    // Step 2: when size1 is a power of two, the old root is itself a node of the new tree and
    // starts the path; otherwise the proof's first element does.
    boolean seededByRoot1 = Long.bitCount(size1) == 1;
    byte[] seed = seededByRoot1 ? root1 : proof.get(0);
    int next = seededByRoot1 ? 0 : 1;
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    byte[] fr = seed;
    byte[] sr = seed;
    for (int i = next; i < proof.size(); i++) {
      byte[] c = proof.get(i);
      if (sn == 0) {
        return false; // the proof is longer than the path
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = hasher.hashChildren(c, fr);
        sr = hasher.hashChildren(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        sr = hasher.hashChildren(sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, root1) && MessageDigest.isEqual(sr, root2);
  }

  /** {@link #verifyConsistency(long, long, byte[], byte[], List)} between two tree heads. */
  public static boolean verifyConsistency(TreeHead older, TreeHead newer, List<byte[]> proof) {
    return verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), proof);
  }

  private static boolean allHashes(List<byte[]> proof) {
    for (byte[] element : proof) {
      if (!TreeHasher.isHash(element)) {
        return false;
      }
    }
    return true;
  }
}
