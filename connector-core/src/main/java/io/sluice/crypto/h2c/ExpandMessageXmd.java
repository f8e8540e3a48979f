package io.sluice.crypto.h2c;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code expand_message_xmd} of RFC 9380 section 5.3.1: stretches a message into {@code len} bytes
 * that are indistinguishable from random as long as the hash behaves as a random oracle, with the
 * domain separation tag (DST) binding the output to one protocol and use.
 *
 * <p>Validated: {@code 1 <= len <= 65535}, {@code ceil(len / b) <= 255}, and a non-empty DST. A DST
 * longer than 255 bytes is first hashed as RFC 9380 section 5.3.3 requires ({@code
 * H("H2C-OVERSIZE-DST-" || DST)}), so callers may pass either form. Inputs are public or
 * hash-derived; this class holds no secret state and is safe to share between threads.
 */
public final class ExpandMessageXmd {
  private static final byte[] OVERSIZE_PREFIX =
      "H2C-OVERSIZE-DST-".getBytes(StandardCharsets.US_ASCII);
  private static final ExpandMessageXmd SHA_256 = new ExpandMessageXmd("SHA-256", 32, 64);
  private static final ExpandMessageXmd SHA_512 = new ExpandMessageXmd("SHA-512", 64, 128);

  private final String algorithm;
  private final int outputBytes;
  private final int blockBytes;

  private ExpandMessageXmd(String algorithm, int outputBytes, int blockBytes) {
    this.algorithm = algorithm;
    this.outputBytes = outputBytes;
    this.blockBytes = blockBytes;
    // Fail at class initialisation, not in the middle of a protocol, if the JDK lacks the hash.
    newDigest();
  }

  /** The expander with SHA-256 (b_in_bytes = 32, s_in_bytes = 64). */
  public static ExpandMessageXmd sha256() {
    return SHA_256;
  }

  /**
   * The expander with SHA-512 (b_in_bytes = 64, s_in_bytes = 128), as the curve25519 and
   * edwards25519 suites of RFC 9380 section 8.5 use it.
   */
  public static ExpandMessageXmd sha512() {
    return SHA_512;
  }

  /** The hash output size {@code b_in_bytes}. */
  public int hashLength() {
    return outputBytes;
  }

  /**
   * Returns {@code expand_message_xmd(msg, dst, len)}.
   *
   * @throws SluiceException with {@link ErrorCode#INVALID_ARGUMENT} if {@code len} or the DST is
   *     out of the range the RFC allows
   */
  public byte[] expand(byte[] msg, byte[] dst, int len) {
    Objects.requireNonNull(msg, "msg");
    Objects.requireNonNull(dst, "dst");
    if (dst.length == 0) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "hash-to-curve DST must not be empty");
    }
    int ell = (len + outputBytes - 1) / outputBytes;
    if (len < 1 || len > 65535 || ell > 255) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "expand_message_xmd output length out of range: " + len);
    }
    byte[] dstPrime = dstPrime(dst);

    MessageDigest h = newDigest();
    h.update(new byte[blockBytes]); // Z_pad
    h.update(msg);
    h.update((byte) (len >>> 8));
    h.update((byte) len);
    h.update((byte) 0);
    h.update(dstPrime);
    byte[] b0 = h.digest();

    byte[] out = new byte[ell * outputBytes];
    byte[] chain = new byte[outputBytes]; // strxor(b_0, b_(i-1)), with b_0 = 0 ^ b_0 for i = 1
    byte[] bi = new byte[0];
    for (int i = 1; i <= ell; i++) {
      for (int j = 0; j < outputBytes; j++) {
        chain[j] = (byte) (b0[j] ^ (i == 1 ? 0 : bi[j]));
      }
      h.update(chain);
      h.update((byte) i);
      h.update(dstPrime);
      bi = h.digest();
      System.arraycopy(bi, 0, out, (i - 1) * outputBytes, outputBytes);
    }
    byte[] result = Arrays.copyOf(out, len);
    Arrays.fill(out, (byte) 0);
    Arrays.fill(b0, (byte) 0);
    Arrays.fill(chain, (byte) 0);
    Arrays.fill(bi, (byte) 0);
    return result;
  }

  /** {@code DST_prime = DST || I2OSP(len(DST), 1)}, hashing an oversize DST first. */
  private byte[] dstPrime(byte[] dst) {
    byte[] tag = dst;
    if (dst.length > 255) {
      MessageDigest h = newDigest();
      h.update(OVERSIZE_PREFIX);
      h.update(dst);
      tag = h.digest();
    }
    byte[] prime = Arrays.copyOf(tag, tag.length + 1);
    prime[tag.length] = (byte) tag.length;
    return prime;
  }

  private MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "hash " + algorithm + " unavailable", e);
    }
  }
}
