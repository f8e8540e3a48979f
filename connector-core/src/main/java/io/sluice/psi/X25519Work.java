package io.sluice.psi;

import io.sluice.crypto.x25519.X25519Blinding;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.IntFunction;

/**
 * The curve work of the X25519 modes, spread over the executor in chunks: hashing keys into the
 * prime-order group and blinding them (our own keys), and validating then blinding the peer's
 * values down to match tags.
 */
final class X25519Work {
  static final int LENGTH = X25519Blinding.LENGTH;

  private X25519Work() {}

  /**
   * {@code blind(H(key))} for {@code count} keys, packed 32 bytes each; H is RFC 9380
   * curve25519_XMD:SHA-512_ELL2_RO_ with the session's DST, so every value lies in the prime-order
   * subgroup (never on the twist, never of small order).
   */
  static CompletableFuture<byte[]> hashAndBlind(
      Executor executor, X25519Blinding k, byte[] dst, IntFunction<byte[]> keyAt, int count) {
    byte[] out = new byte[count * LENGTH];
    return Parallel.forRanges(
        executor,
        count,
        Parallel.X25519_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            byte[] e = k.blind(X25519Blinding.hashToGroup(dst, keyAt.apply(i)));
            System.arraycopy(e, 0, out, i * LENGTH, LENGTH);
          }
        },
        () -> out);
  }

  /**
   * Validates each of the peer's values (canonical, on curve25519 rather than its twist; {@link
   * X25519Blinding#blind} refuses low-order ones) and returns the tags of their blinding: the first
   * {@value PsiConfig#TAG_LENGTH} bytes of each result, packed. One bad value fails the batch with
   * {@code INVALID_POINT}.
   */
  static CompletableFuture<byte[]> blindToTags(
      Executor executor, X25519Blinding k, byte[] elements) {
    int rows = elements.length / LENGTH;
    byte[] tags = new byte[rows * PsiConfig.TAG_LENGTH];
    return Parallel.forRanges(
        executor,
        rows,
        Parallel.X25519_CHUNK,
        (from, to) -> {
          byte[] e = new byte[LENGTH];
          for (int i = from; i < to; i++) {
            System.arraycopy(elements, i * LENGTH, e, 0, LENGTH);
            X25519Blinding.requireOnCurve(e);
            byte[] d = k.blind(e);
            System.arraycopy(d, 0, tags, i * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH);
          }
        },
        () -> tags);
  }
}
