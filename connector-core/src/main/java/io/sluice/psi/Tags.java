package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.Arrays;

/** Operations on arrays of packed fixed-width records: permutations and a duplicate check. */
final class Tags {
  private static final int TAG = PsiConfig.TAG_LENGTH;

  private Tags() {}

  /** A uniformly random permutation of {@code [0, n)} (Fisher-Yates with {@code random}). */
  static int[] permutation(int n, SecureRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Shuffles {@code n} records of {@value PsiConfig#TAG_LENGTH} bytes uniformly in place. */
  static void shuffle(byte[] records, int n, SecureRandom random) {
    byte[] tmp = new byte[TAG];
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      if (j != i) {
        System.arraycopy(records, i * TAG, tmp, 0, TAG);
        System.arraycopy(records, j * TAG, records, i * TAG, TAG);
        System.arraycopy(tmp, 0, records, j * TAG, TAG);
      }
    }
  }

  /**
   * Refuses {@code n} tags of which two are equal: equal doubly blinded values mean the peer sent
   * one key twice. Sorts the first eight bytes of each tag (8 bytes per record, temporarily) and
   * compares whole tags only where those collide. Two distinct keys give equal tags with
   * probability about n^2 / 2^97.
   *
   * @throws SluiceException PROTOCOL_VIOLATION on a duplicate
   */
  static void requireDistinct(byte[] tags, int n) {
    long[] prefixes = new long[n];
    for (int i = 0; i < n; i++) {
      prefixes[i] = TagIndex.readLong(tags, i * TAG);
    }
    Arrays.sort(prefixes);
    for (int i = 1; i < n; i++) {
      if (prefixes[i] == prefixes[i - 1] && sameTagTwice(tags, n, prefixes[i])) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION, "the receiver submitted one key more than once");
      }
    }
  }

  /** Whether two of the tags starting with {@code prefix} are equal in full (rare: a scan). */
  private static boolean sameTagTwice(byte[] tags, int n, long prefix) {
    int[] same = new int[4];
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (TagIndex.readLong(tags, i * TAG) == prefix) {
        if (count == same.length) {
          same = Arrays.copyOf(same, count * 2);
        }
        same[count++] = i;
      }
    }
    for (int x = 0; x < count; x++) {
      for (int y = x + 1; y < count; y++) {
        int a = same[x] * TAG;
        int b = same[y] * TAG;
        if (Arrays.equals(tags, a, a + TAG, tags, b, b + TAG)) {
          return true;
        }
      }
    }
    return false;
  }
}
