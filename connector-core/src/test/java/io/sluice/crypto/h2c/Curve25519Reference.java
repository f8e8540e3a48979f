package io.sluice.crypto.h2c;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * RFC 9380's curve25519 suites written as the RFC's pseudo-code on {@link BigInteger}, sharing no
 * code with {@link Curve25519HashToCurve}: its own {@code expand_message_xmd} (section 5.3.1), the
 * generic Elligator 2 map (section 6.7.1, not the straight-line appendix), and affine arithmetic on
 * the Montgomery curve t^2 = s^3 + J s^2 + s. Slow, variable-time and for tests only. A point is
 * {x, y}; the identity is {@code null}.
 */
public final class Curve25519Reference {
  static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

  /** The order of the prime-order subgroup (RFC 7748 section 4.1). */
  static final BigInteger ORDER =
      BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));

  static final BigInteger J = BigInteger.valueOf(486662);
  private static final BigInteger Z = BigInteger.TWO;
  private static final BigInteger THREE = BigInteger.valueOf(3);
  private static final int L = 48;

  private Curve25519Reference() {}

  static BigInteger[] hashToCurve(byte[] msg, byte[] dst) {
    BigInteger[] u = hashToField(msg, dst, 2);
    return multiply(add(mapToCurve(u[0]), mapToCurve(u[1])), BigInteger.valueOf(8));
  }

  static BigInteger[] encodeToCurve(byte[] msg, byte[] dst) {
    return multiply(mapToCurve(hashToField(msg, dst, 1)[0]), BigInteger.valueOf(8));
  }

  /** Section 5.2: OS2IP of each 48-byte chunk mod p. */
  static BigInteger[] hashToField(byte[] msg, byte[] dst, int count) {
    byte[] uniform = expandMessageXmd(msg, dst, count * L);
    BigInteger[] u = new BigInteger[count];
    for (int i = 0; i < count; i++) {
      byte[] chunk = new byte[L];
      System.arraycopy(uniform, i * L, chunk, 0, L);
      u[i] = new BigInteger(1, chunk).mod(P);
    }
    return u;
  }

  /** Section 5.3.1 with SHA-512 (b = 64, s = 128), and 5.3.3 for an oversize DST. */
  static byte[] expandMessageXmd(byte[] msg, byte[] dst, int len) {
    if (dst.length > 255) {
      dst = sha512(concat("H2C-OVERSIZE-DST-".getBytes(StandardCharsets.US_ASCII), dst));
    }
    int ell = (len + 63) / 64;
    byte[] dstPrime = concat(dst, new byte[] {(byte) dst.length});
    byte[] msgPrime =
        concat(new byte[128], msg, new byte[] {(byte) (len >> 8), (byte) len, 0}, dstPrime);
    byte[] b0 = sha512(msgPrime);
    byte[] bi = sha512(concat(b0, new byte[] {1}, dstPrime));
    byte[] uniform = bi;
    for (int i = 2; i <= ell; i++) {
      byte[] x = new byte[64];
      for (int j = 0; j < 64; j++) {
        x[j] = (byte) (b0[j] ^ bi[j]);
      }
      bi = sha512(concat(x, new byte[] {(byte) i}, dstPrime));
      uniform = concat(uniform, bi);
    }
    byte[] out = new byte[len];
    System.arraycopy(uniform, 0, out, 0, len);
    return out;
  }

  /** Section 6.7.1, Elligator 2 for K = 1, J = 486662, Z = 2. */
  static BigInteger[] mapToCurve(BigInteger u) {
    BigInteger x1 = J.negate().multiply(inv0(BigInteger.ONE.add(Z.multiply(u).multiply(u)))).mod(P);
    if (x1.signum() == 0) {
      x1 = J.negate().mod(P);
    }
    BigInteger gx1 = g(x1);
    BigInteger x2 = x1.negate().subtract(J).mod(P);
    BigInteger gx2 = g(x2);
    if (isSquare(gx1)) {
      BigInteger y = sqrt(gx1);
      return new BigInteger[] {x1, sgn0(y) == 1 ? y : P.subtract(y).mod(P)};
    }
    BigInteger y = sqrt(gx2);
    return new BigInteger[] {x2, sgn0(y) == 0 ? y : P.subtract(y).mod(P)};
  }

  /** The curve polynomial x^3 + J x^2 + x. */
  static BigInteger g(BigInteger x) {
    return x.pow(3).add(J.multiply(x.pow(2))).add(x).mod(P);
  }

  /** Euler's criterion; zero counts as a square, as in RFC 9380 section 4. */
  static boolean isSquare(BigInteger a) {
    BigInteger r = a.mod(P);
    return r.signum() == 0 || r.modPow(P.shiftRight(1), P).equals(BigInteger.ONE);
  }

  /** A square root for p = 5 (mod 8): a^((p+3)/8), times sqrt(-1) if that squares to -a. */
  static BigInteger sqrt(BigInteger a) {
    BigInteger r = a.modPow(P.add(THREE).shiftRight(3), P);
    if (!r.multiply(r).mod(P).equals(a.mod(P))) {
      r = r.multiply(BigInteger.TWO.modPow(P.shiftRight(2), P)).mod(P);
    }
    if (!r.multiply(r).mod(P).equals(a.mod(P))) {
      throw new ArithmeticException("not a square");
    }
    return r;
  }

  static int sgn0(BigInteger x) {
    return x.mod(P).testBit(0) ? 1 : 0;
  }

  private static BigInteger inv0(BigInteger x) {
    return x.mod(P).signum() == 0 ? BigInteger.ZERO : x.modInverse(P);
  }

  /** Affine addition on the Montgomery curve (B = 1, A = J), all cases. */
  static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
    if (p == null) {
      return q;
    }
    if (q == null) {
      return p;
    }
    BigInteger lambda;
    if (p[0].equals(q[0])) {
      if (p[1].add(q[1]).mod(P).signum() == 0) {
        return null; // q = -p, including the doubling of a point with y = 0
      }
      BigInteger num = THREE.multiply(p[0].pow(2)).add(BigInteger.TWO.multiply(J).multiply(p[0]));
      lambda = num.add(BigInteger.ONE).multiply(BigInteger.TWO.multiply(p[1]).modInverse(P));
    } else {
      lambda = q[1].subtract(p[1]).multiply(q[0].subtract(p[0]).modInverse(P));
    }
    lambda = lambda.mod(P);
    BigInteger x3 = lambda.pow(2).subtract(J).subtract(p[0]).subtract(q[0]).mod(P);
    BigInteger y3 = lambda.multiply(p[0].subtract(x3)).subtract(p[1]).mod(P);
    return new BigInteger[] {x3, y3};
  }

  /** [k]p by double-and-add. */
  static BigInteger[] multiply(BigInteger[] p, BigInteger k) {
    BigInteger[] r = null;
    for (int i = k.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (k.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  static boolean isOnCurve(BigInteger[] p) {
    return p[1].pow(2).mod(P).equals(g(p[0]));
  }

  /** A point with u-coordinate u (either sign of y), or null if u belongs to the twist. */
  static BigInteger[] lift(BigInteger u) {
    BigInteger gu = g(u);
    return isSquare(gu) ? new BigInteger[] {u.mod(P), sqrt(gu)} : null;
  }

  /** The 32-byte little-endian encoding of an integer below 2^256. */
  static byte[] littleEndian(BigInteger x) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = x.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] sha512(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-512").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }

  /**
   * Whether the 32-byte u-coordinate {@code u} is a point of curve25519 (not of its twist) in the
   * prime-order subgroup, other than the identity: [ORDER]P is the identity. For tests of what goes
   * on the wire.
   */
  public static boolean inPrimeOrderSubgroup(byte[] u) {
    BigInteger x = fromLittleEndian(u);
    if (x.compareTo(P) >= 0) {
      return false;
    }
    BigInteger[] point = lift(x);
    return point != null && point[1].signum() != 0 && multiply(point, ORDER) == null;
  }
}
