package io.sluice.audit.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 §2.1 written out as literally as possible, on a list of leaf hashes, with its own
 * SHA-256: the oracle the optimized code is compared with. Quadratic in places; test sizes only.
 */
final class RfcReference {
  private RfcReference() {}

  /** One proof element and whether it is the left sibling (hashed before the running value). */
  record Step(byte[] hash, boolean left) {}

  static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        md.update(part);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] leafHash(byte[] entry) {
    return sha256(new byte[] {0}, entry);
  }

  static byte[] nodeHash(byte[] left, byte[] right) {
    return sha256(new byte[] {1}, left, right);
  }

  /** MTH(D[n]). */
  static byte[] mth(List<byte[]> leafHashes) {
    int n = leafHashes.size();
    if (n == 0) {
      return sha256();
    }
    if (n == 1) {
      return leafHashes.get(0);
    }
    int k = largestPowerOfTwoBelow(n);
    return nodeHash(mth(leafHashes.subList(0, k)), mth(leafHashes.subList(k, n)));
  }

  /** PATH(m, D[n]), with the side of each sibling. */
  static List<Step> path(int m, List<byte[]> d) {
    int n = d.size();
    List<Step> out = new ArrayList<>();
    if (n == 1) {
      return out;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m < k) {
      out.addAll(path(m, d.subList(0, k)));
      out.add(new Step(mth(d.subList(k, n)), false));
    } else {
      out.addAll(path(m - k, d.subList(k, n)));
      out.add(new Step(mth(d.subList(0, k)), true));
    }
    return out;
  }

  static List<byte[]> pathHashes(int m, List<byte[]> d) {
    return path(m, d).stream().map(Step::hash).toList();
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
  static List<byte[]> proof(int m, List<byte[]> d) {
    return subproof(m, d, true);
  }

  private static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
    int n = d.size();
    List<byte[]> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(d));
      }
      return out;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      out.addAll(subproof(m, d.subList(0, k), b));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(subproof(m - k, d.subList(k, n), false));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  private static int largestPowerOfTwoBelow(int n) {
    int k = 1;
    while (k << 1 < n) {
      k <<= 1;
    }
    return k;
  }
}
