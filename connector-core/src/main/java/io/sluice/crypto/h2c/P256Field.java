package io.sluice.crypto.h2c;

import java.math.BigInteger;
import org.bouncycastle.math.ec.custom.sec.SecP256R1Field;
import org.bouncycastle.math.raw.Nat256;

/**
 * Arithmetic in GF(p), p = 2^256 - 2^224 + 2^192 + 2^96 - 1, on Bouncy Castle's fixed-length limb
 * representation ({@link SecP256R1Field}: eight little-endian 32-bit words, always fully reduced).
 * This class adds only what the SSWU map needs on top: a branch-free select and equality, {@code
 * sgn0}, exponentiation by a public exponent, and the reduction of a 48-byte big-endian string.
 *
 * <p>An instance owns a scratch buffer for double-width products, so it is not thread-safe; create
 * one per computation (they are cheap).
 */
final class P256Field {
  static final BigInteger P = Nat256.toBigInteger(pWords());
  private static final int[] TWO_POW_128 = fromBigInteger(BigInteger.ONE.shiftLeft(128));
  private static final int[] TWO_POW_256 = fromBigInteger(BigInteger.ONE.shiftLeft(256).mod(P));

  private final int[] tt = Nat256.createExt();

  private static int[] pWords() {
    BigInteger p =
        BigInteger.ONE
            .shiftLeft(256)
            .subtract(BigInteger.ONE.shiftLeft(224))
            .add(BigInteger.ONE.shiftLeft(192))
            .add(BigInteger.ONE.shiftLeft(96))
            .subtract(BigInteger.ONE);
    return Nat256.fromBigInteger(p);
  }

  static int[] fromBigInteger(BigInteger x) {
    if (x.signum() < 0 || x.compareTo(P) >= 0) {
      throw new IllegalArgumentException("not a reduced field element");
    }
    return SecP256R1Field.fromBigInteger(x);
  }

  static BigInteger toBigInteger(int[] x) {
    return Nat256.toBigInteger(x);
  }

  /** OS2IP(bytes[off, off + 48)) mod p, computed as hi * 2^256 + mid * 2^128 + lo in the field. */
  int[] reduce48(byte[] bytes, int off) {
    int[] hi = words128(bytes, off);
    int[] mid = words128(bytes, off + 16);
    int[] lo = words128(bytes, off + 32);
    int[] r = mul(hi, TWO_POW_256);
    SecP256R1Field.add(r, mul(mid, TWO_POW_128), r);
    SecP256R1Field.add(r, lo, r);
    return r;
  }

  /** Big-endian 16 bytes into the low four words of a zeroed element (always below p). */
  private static int[] words128(byte[] b, int off) {
    int[] z = Nat256.create();
    for (int i = 0; i < 4; i++) {
      int o = off + 12 - 4 * i;
      z[i] =
          (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | b[o + 3] & 0xff;
    }
    return z;
  }

  int[] mul(int[] x, int[] y) {
    int[] z = Nat256.create();
    SecP256R1Field.multiply(x, y, z, tt);
    return z;
  }

  int[] sqr(int[] x) {
    int[] z = Nat256.create();
    SecP256R1Field.square(x, z, tt);
    return z;
  }

  static int[] add(int[] x, int[] y) {
    int[] z = Nat256.create();
    SecP256R1Field.add(x, y, z);
    return z;
  }

  static int[] neg(int[] x) {
    int[] z = Nat256.create();
    SecP256R1Field.negate(x, z);
    return z;
  }

  /** x^-1; x must not be zero (Bouncy Castle's constant-time safegcd inversion). */
  static int[] inv(int[] x) {
    int[] z = Nat256.create();
    SecP256R1Field.inv(x, z);
    return z;
  }

  /** x^e for a public exponent e: square-and-multiply; branches depend on e only. */
  int[] pow(int[] x, BigInteger e) {
    int[] r = Nat256.create();
    r[0] = 1;
    for (int i = e.bitLength() - 1; i >= 0; i--) {
      r = sqr(r);
      if (e.testBit(i)) {
        r = mul(r, x);
      }
    }
    return r;
  }

  /** 1 if x == y, else 0, without a data-dependent branch. */
  static int eq(int[] x, int[] y) {
    int d = 0;
    for (int i = 0; i < 8; i++) {
      d |= x[i] ^ y[i];
    }
    return isZeroWord(d);
  }

  /** 1 if x == 0, else 0, without a data-dependent branch. */
  static int isZero(int[] x) {
    int d = 0;
    for (int i = 0; i < 8; i++) {
      d |= x[i];
    }
    return isZeroWord(d);
  }

  private static int isZeroWord(int d) {
    // (d | -d) has its top bit set exactly when d != 0.
    return 1 ^ ((d | -d) >>> 31);
  }

  /** CMOV(a, b, c) of RFC 9380: b if c == 1, a if c == 0, by masking. */
  static int[] select(int[] a, int[] b, int c) {
    int mask = -c;
    int[] z = Nat256.create();
    for (int i = 0; i < 8; i++) {
      z[i] = a[i] ^ ((a[i] ^ b[i]) & mask);
    }
    return z;
  }

  /** sgn0 of RFC 9380 section 4.1 for m = 1: the parity of the reduced value. */
  static int sgn0(int[] x) {
    return x[0] & 1;
  }
}
