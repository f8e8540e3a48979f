package io.sluice.crypto.h2c;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * RFC 9380 hashing to curve25519: the suites {@code curve25519_XMD:SHA-512_ELL2_RO_} ({@link
 * #hashToCurve}, a random oracle: nobody learns a discrete logarithm of an output or a relation
 * between outputs) and {@code curve25519_XMD:SHA-512_ELL2_NU_} ({@link #encodeToCurve}, a
 * nonuniform encoding), section 8.5. Every output lies in the prime-order subgroup of curve25519
 * (the cofactor 8 is cleared), so X25519 with a clamped scalar keeps it there: never on the twist,
 * never of small order.
 *
 * <p>The steps: {@code hash_to_field} (section 5.2) with {@link ExpandMessageXmd#sha512()}, L = 48,
 * m = 1; the Elligator 2 map with Z = 2 (section 6.7.1) in the straight-line form of appendix G.2.1
 * (constant-time selects, square roots by one exponentiation); the rational map to edwards25519 of
 * section 6.8.2 in the projective form of appendix G.2.2; the point addition and the cofactor
 * clearing ({@code h_eff = 8}, section 7) as extended twisted Edwards additions and doublings (RFC
 * 8032 section 5.1.4), because they are complete and cheaper than Montgomery affine ones; and one
 * inversion to return to the Montgomery u-coordinate, u = (1 + y) / (1 - y) (RFC 7748 section 4.1).
 * The rational map is a group isomorphism, so the result is exactly the point the RFC computes on
 * curve25519. The one exceptional input of G.2.2 (the 2-torsion point (0, 0), which G.2.2 sends to
 * the identity rather than to (0, -1)) differs from the exact image by a 2-torsion point, which the
 * cofactor clearing removes.
 *
 * <p>Field arithmetic is Bouncy Castle's {@link X25519Field}: the work per hash is two
 * exponentiations by (p - 5) / 8 and one constant-time (safegcd) inversion. No branch or table
 * index depends on the message or on intermediate values: selections are masked, exponents are
 * public constants. Only the message length is visible in timing (SHA-512 blocks).
 *
 * <p>Stateless and thread-safe.
 */
public final class Curve25519HashToCurve {
  /** The suite identifier of RFC 9380 section 8.5, random-oracle variant. */
  public static final String RO_SUITE_ID = "curve25519_XMD:SHA-512_ELL2_RO_";

  /** The suite identifier of RFC 9380 section 8.5, nonuniform variant. */
  public static final String NU_SUITE_ID = "curve25519_XMD:SHA-512_ELL2_NU_";

  /** The output length: a little-endian u-coordinate as RFC 7748 encodes it. */
  public static final int LENGTH = 32;

  static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

  /** L = ceil((ceil(log2(p)) + k) / 8) with k = 128 (section 5). */
  private static final int L = 48;

  /** The Montgomery coefficient J (RFC 9380's name for RFC 7748's A); K = 1. */
  private static final int J = 486662;

  private static final int[] ONE = fe(BigInteger.ONE);
  private static final int[] MINUS_J = fe(P.subtract(BigInteger.valueOf(J)));

  /** G.2.1 constant c3 = sqrt(-1); either root works, the map fixes the sign of y itself. */
  private static final int[] SQRT_MINUS_ONE = fe(BigInteger.TWO.modPow(P.shiftRight(2), P));

  /** G.2.1 constant c2 = 2^c1 with c1 = (q + 3) / 8. */
  private static final int[] C2 =
      fe(BigInteger.TWO.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P));

  /** G.2.2 constant c1 = sqrt(-486664) with sgn0(c1) = 0 (also RFC 7748 section 4.1). */
  private static final int[] SQRT_MINUS_486664 =
      fe(evenSqrt(P.subtract(BigInteger.valueOf(J + 2))));

  /** 2d for the Edwards addition, d = -121665 / 121666 (RFC 8032 section 5.1). */
  private static final int[] TWO_D =
      fe(
          BigInteger.valueOf(-2 * 121665L)
              .multiply(BigInteger.valueOf(121666).modInverse(P))
              .mod(P));

  private Curve25519HashToCurve() {}

  /**
   * Bouncy Castle's limb arithmetic, reached by a short name. Its add and sub do not carry, so
   * every operand of mul and sqr here is a product, a constant, or one add/sub of those; longer
   * sums are carried first (the discipline of Bouncy Castle's own Ed25519 code).
   */
  private abstract static class F extends X25519Field {}

  /** A point of edwards25519 in extended coordinates: x = X/Z, y = Y/Z, T = XY/Z (may be null). */
  private static final class Edwards {
    final int[] x;
    final int[] y;
    final int[] z;
    final int[] t;

    Edwards(int[] x, int[] y, int[] z, int[] t) {
      this.x = x;
      this.y = y;
      this.z = z;
      this.t = t;
    }
  }

  /**
   * {@code hash_to_curve(msg)} of the RO suite, as the u-coordinate of the resulting point: 32
   * bytes, little-endian, canonical (below p) — the form X25519 takes as a point and outputs.
   *
   * @param dst the domain separation tag, non-empty; longer than 255 bytes is allowed (it is then
   *     hashed, RFC 9380 section 5.3.3)
   * @throws io.sluice.error.SluiceException {@code INVALID_ARGUMENT} for an empty DST
   */
  public static byte[] hashToCurve(byte[] msg, byte[] dst) {
    return encodeU(hashToEdwards(msg, dst, 2));
  }

  /**
   * {@code encode_to_curve(msg)} of the NU suite, in the same format and subgroup as {@link
   * #hashToCurve}. Its outputs are not uniformly distributed (RFC 9380 section 2.2.2: one map, not
   * the sum of two), so it is not a random oracle; use it only where a protocol asks for exactly
   * this encoding.
   */
  public static byte[] encodeToCurve(byte[] msg, byte[] dst) {
    return encodeU(hashToEdwards(msg, dst, 1));
  }

  /**
   * hash_to_field, one or two maps, addition, clear_cofactor (sections 3 and 7); the point on
   * edwards25519.
   */
  private static Edwards hashToEdwards(byte[] msg, byte[] dst, int count) {
    Objects.requireNonNull(msg, "msg");
    Objects.requireNonNull(dst, "dst");
    int[][] u = hashToFieldElements(msg, dst, count);
    Edwards q = toEdwards(mapToCurveElligator2(u[0]));
    if (count == 2) { // the suite, not the data, decides
      q = add(q, toEdwards(mapToCurveElligator2(u[1])));
    }
    for (int[] ui : u) {
      Arrays.fill(ui, 0);
    }
    return clearCofactor(q);
  }

  /** hash_to_field of section 5.2 for m = 1: {@code count} elements from 48-byte chunks. */
  private static int[][] hashToFieldElements(byte[] msg, byte[] dst, int count) {
    byte[] uniform = ExpandMessageXmd.sha512().expand(msg, dst, count * L);
    int[][] u = new int[count][];
    for (int i = 0; i < count; i++) {
      u[i] = reduce48(uniform, i * L);
    }
    Arrays.fill(uniform, (byte) 0);
    return u;
  }

  /**
   * OS2IP(bytes[off, off + 48)) mod p, normalized. The 384-bit integer is lo + 2^255 * hi with lo
   * below 2^255 and hi below 2^129, and 2^255 = 19 (mod p).
   */
  private static int[] reduce48(byte[] bytes, int off) {
    byte[] le = new byte[L];
    for (int i = 0; i < L; i++) {
      le[i] = bytes[off + L - 1 - i];
    }
    byte[] high = new byte[LENGTH];
    for (int i = 0; i < 17; i++) {
      int next = i < 16 ? le[32 + i] << 1 : 0;
      high[i] = (byte) (((le[31 + i] & 0xff) >>> 7) | next);
    }
    int[] lo = F.create();
    int[] hi = F.create();
    F.decode255(le, 0, lo, 0); // the low 255 bits: bit 255 is dropped
    F.decode255(high, 0, hi, 0);
    F.mul(hi, 19, hi);
    F.add(lo, hi, lo);
    F.normalize(lo);
    Arrays.fill(le, (byte) 0);
    Arrays.fill(high, (byte) 0);
    Arrays.fill(hi, 0);
    return lo;
  }

  /**
   * map_to_curve_elligator2_curve25519 of appendix G.2.1, step for step: {xn, xd, y} such that (xn
   * / xd, y) is on curve25519 (yd = 1).
   */
  private static int[][] mapToCurveElligator2(int[] u) {
    int[] tv1 = F.create();
    int[] tv2 = F.create();
    int[] tv3 = F.create();
    F.sqr(u, tv1); // 1. tv1 = u^2
    F.mul(tv1, 2, tv1); // 2. tv1 = 2 * tv1
    int[] xd = copy(tv1);
    F.addOne(xd); // 3. xd = tv1 + 1 (nonzero: -1/2 is not a square)
    int[] x1n = MINUS_J; // 4. x1n = -J
    F.sqr(xd, tv2); // 5. tv2 = xd^2
    int[] gxd = F.create();
    F.mul(tv2, xd, gxd); // 6. gxd = tv2 * xd
    int[] gx1 = F.create();
    F.mul(tv1, J, gx1); // 7. gx1 = J * tv1
    F.mul(gx1, x1n, gx1); // 8. gx1 = gx1 * x1n
    F.add(gx1, tv2, gx1); // 9. gx1 = gx1 + tv2
    F.mul(gx1, x1n, gx1); // 10. gx1 = gx1 * x1n
    F.sqr(gxd, tv3); // 11. tv3 = gxd^2
    F.sqr(tv3, tv2); // 12. tv2 = tv3^2
    F.mul(tv3, gxd, tv3); // 13. tv3 = tv3 * gxd
    F.mul(tv3, gx1, tv3); // 14. tv3 = tv3 * gx1
    F.mul(tv2, tv3, tv2); // 15. tv2 = tv2 * tv3
    int[] y11 = powPMinus5Over8(tv2); // 16. y11 = tv2^c4
    F.mul(y11, tv3, y11); // 17. y11 = y11 * tv3
    int[] y12 = F.create();
    F.mul(y11, SQRT_MINUS_ONE, y12); // 18. y12 = y11 * c3
    F.sqr(y11, tv2); // 19. tv2 = y11^2
    F.mul(tv2, gxd, tv2); // 20. tv2 = tv2 * gxd
    int e1 = eq(tv2, gx1); // 21. e1 = tv2 == gx1
    int[] y1 = select(y12, y11, e1); // 22. y1 = CMOV(y12, y11, e1)
    int[] x2n = F.create();
    F.mul(x1n, tv1, x2n); // 23. x2n = x1n * tv1
    int[] y21 = F.create();
    F.mul(y11, u, y21); // 24. y21 = y11 * u
    F.mul(y21, C2, y21); // 25. y21 = y21 * c2
    int[] y22 = F.create();
    F.mul(y21, SQRT_MINUS_ONE, y22); // 26. y22 = y21 * c3
    int[] gx2 = F.create();
    F.mul(gx1, tv1, gx2); // 27. gx2 = gx1 * tv1
    F.sqr(y21, tv2); // 28. tv2 = y21^2
    F.mul(tv2, gxd, tv2); // 29. tv2 = tv2 * gxd
    int e2 = eq(tv2, gx2); // 30. e2 = tv2 == gx2
    int[] y2 = select(y22, y21, e2); // 31. y2 = CMOV(y22, y21, e2)
    F.sqr(y1, tv2); // 32. tv2 = y1^2
    F.mul(tv2, gxd, tv2); // 33. tv2 = tv2 * gxd
    int e3 = eq(tv2, gx1); // 34. e3 = tv2 == gx1
    int[] xn = select(x2n, x1n, e3); // 35. xn = CMOV(x2n, x1n, e3)
    int[] y = select(y2, y1, e3); // 36. y = CMOV(y2, y1, e3)
    int e4 = sgn0(y); // 37. e4 = sgn0(y) == 1
    F.cnegate(e3 ^ e4, y); // 38. y = CMOV(y, -y, e3 XOR e4)
    return new int[][] {xn, xd, y}; // 39. return (xn, xd, y, 1)
  }

  /**
   * Appendix G.2.2 steps 2-12 (the rational map of section 6.8.2 with fractions), then the extended
   * coordinates X = xn * yd, Y = yn * xd, Z = xd * yd, T = xn * yn.
   */
  private static Edwards toEdwards(int[][] montgomery) {
    int[] xMn = montgomery[0];
    int[] xMd = montgomery[1];
    int[] yMn = montgomery[2];
    int[] xn = F.create();
    F.mul(xMn, SQRT_MINUS_486664, xn); // 2-3. xn = xMn * yMd * c1, yMd = 1
    int[] xd = F.create();
    F.mul(xMd, yMn, xd); // 4. xd = xMd * yMn
    int[] yn = F.create();
    F.sub(xMn, xMd, yn); // 5. yn = xMn - xMd
    int[] yd = F.create();
    F.add(xMn, xMd, yd); // 6. yd = xMn + xMd
    int[] z = F.create();
    F.mul(xd, yd, z); // 7. tv1 = xd * yd
    int e = isZero(z); // 8. e = tv1 == 0
    xn = select(xn, F.create(), e); // 9. xn = CMOV(xn, 0, e)
    xd = select(xd, ONE, e); // 10. xd = CMOV(xd, 1, e)
    yn = select(yn, ONE, e); // 11. yn = CMOV(yn, 1, e)
    yd = select(yd, ONE, e); // 12. yd = CMOV(yd, 1, e)
    z = select(z, ONE, e); // Z = xd * yd after the moves
    int[] x = F.create();
    int[] y = F.create();
    int[] t = F.create();
    F.mul(xn, yd, x);
    F.mul(yn, xd, y);
    F.mul(xn, yn, t);
    return new Edwards(x, y, z, t);
  }

  /** Complete addition for a = -1 (RFC 8032 section 5.1.4); needs T of both inputs. */
  private static Edwards add(Edwards p, Edwards q) {
    int[] a = F.create();
    int[] b = F.create();
    int[] c = F.create();
    int[] d = F.create();
    F.apm(p.y, p.x, b, a); // b = Y1 + X1, a = Y1 - X1
    F.apm(q.y, q.x, d, c);
    F.mul(a, c, a); // A = (Y1 - X1) * (Y2 - X2)
    F.mul(b, d, b); // B = (Y1 + X1) * (Y2 + X2)
    F.mul(p.t, q.t, c);
    F.mul(c, TWO_D, c); // C = T1 * 2d * T2
    F.mul(p.z, q.z, d);
    F.add(d, d, d); // D = Z1 * 2 * Z2
    int[] e = F.create();
    int[] h = F.create();
    F.apm(b, a, h, e); // H = B + A, E = B - A
    int[] f = F.create();
    int[] g = F.create();
    F.apm(d, c, g, f); // G = D + C, F = D - C
    F.carry(f);
    F.carry(g);
    int[] x = F.create();
    int[] y = F.create();
    int[] z = F.create();
    int[] t = F.create();
    F.mul(e, f, x);
    F.mul(g, h, y);
    F.mul(e, h, t);
    F.mul(f, g, z);
    return new Edwards(x, y, z, t);
  }

  /**
   * Doubling for a = -1 (RFC 8032 section 5.1.4). It does not read T, and only doublings and the
   * final encoding follow it, so T3 is not computed.
   */
  private static Edwards dbl(Edwards p) {
    int[] a = F.create();
    int[] b = F.create();
    int[] c = F.create();
    F.sqr(p.x, a); // A = X1^2
    F.sqr(p.y, b); // B = Y1^2
    F.sqr(p.z, c);
    F.add(c, c, c); // C = 2 * Z1^2
    int[] h = F.create();
    int[] g = F.create();
    F.apm(a, b, h, g); // H = A + B, G = A - B
    int[] e = F.create();
    F.add(p.x, p.y, e);
    F.sqr(e, e);
    F.sub(h, e, e); // E = H - (X1 + Y1)^2
    int[] f = F.create();
    F.add(c, g, f); // F = C + G
    F.carry(e);
    F.carry(f);
    int[] x = F.create();
    int[] y = F.create();
    int[] z = F.create();
    F.mul(e, f, x);
    F.mul(g, h, y);
    F.mul(f, g, z);
    return new Edwards(x, y, z, null);
  }

  /** clear_cofactor(P) = h_eff * P with h_eff = 8 (sections 7 and 8.5): three doublings. */
  private static Edwards clearCofactor(Edwards p) {
    return dbl(dbl(dbl(p)));
  }

  /**
   * The Montgomery u-coordinate u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y), normalized and encoded.
   * The identity (probability about 2^-252) has Z = Y and encodes as u = 0, as X25519 encodes it.
   */
  private static byte[] encodeU(Edwards p) {
    int[] n = F.create();
    int[] d = F.create();
    F.apm(p.z, p.y, n, d);
    F.inv(d, d);
    F.mul(n, d, n);
    F.normalize(n);
    byte[] out = new byte[LENGTH];
    F.encode(n, out, 0);
    return out;
  }

  /**
   * x^((p - 5) / 8) = x^(2^252 - 3): 251 squarings and 11 multiplications (the addition chain of
   * the curve25519 reference code).
   */
  private static int[] powPMinus5Over8(int[] x) {
    int[] t0 = F.create();
    int[] t1 = F.create();
    int[] t2 = F.create();
    F.sqr(x, t0); // 2
    F.sqr(t0, 2, t1); // 8
    F.mul(x, t1, t1); // 9
    F.mul(t0, t1, t0); // 11
    F.sqr(t0, t0); // 22
    F.mul(t1, t0, t0); // 31 = 2^5 - 1
    F.sqr(t0, 5, t1);
    F.mul(t1, t0, t0); // 2^10 - 1
    F.sqr(t0, 10, t1);
    F.mul(t1, t0, t1); // 2^20 - 1
    F.sqr(t1, 20, t2);
    F.mul(t2, t1, t1); // 2^40 - 1
    F.sqr(t1, 10, t1);
    F.mul(t1, t0, t0); // 2^50 - 1
    F.sqr(t0, 50, t1);
    F.mul(t1, t0, t1); // 2^100 - 1
    F.sqr(t1, 100, t2);
    F.mul(t2, t1, t1); // 2^200 - 1
    F.sqr(t1, 50, t1);
    F.mul(t1, t0, t0); // 2^250 - 1
    F.sqr(t0, 2, t0); // 2^252 - 4
    F.mul(t0, x, t0); // 2^252 - 3
    return t0;
  }

  /** 1 if a == b in the field, else 0, without a data-dependent branch. */
  private static int eq(int[] a, int[] b) {
    int[] d = F.create();
    F.sub(a, b, d);
    return isZero(d);
  }

  /** 1 if a == 0 in the field, else 0, without a data-dependent branch. */
  private static int isZero(int[] a) {
    int[] n = copy(a);
    F.normalize(n);
    return F.isZero(n) & 1;
  }

  /** sgn0 of section 4.1 for m = 1: the parity of the canonical value. */
  private static int sgn0(int[] a) {
    int[] n = copy(a);
    F.normalize(n);
    return n[0] & 1;
  }

  /** CMOV(a, b, c) of section 4: b if c == 1, a if c == 0, by masking; a fresh array. */
  private static int[] select(int[] a, int[] b, int c) {
    int[] z = copy(a);
    F.cmov(-c, b, 0, z, 0);
    return z;
  }

  private static int[] copy(int[] a) {
    int[] z = F.create();
    F.copy(a, 0, z, 0);
    return z;
  }

  private static int[] fe(BigInteger x) {
    if (x.signum() < 0 || x.compareTo(P) >= 0) {
      throw new IllegalArgumentException("not a reduced field element");
    }
    byte[] be = x.toByteArray();
    byte[] le = new byte[LENGTH];
    for (int i = 0; i < Math.min(be.length, LENGTH); i++) {
      le[i] = be[be.length - 1 - i];
    }
    int[] z = F.create();
    F.decode255(le, 0, z, 0);
    return z;
  }

  private static BigInteger toBigInteger(int[] x) {
    int[] n = copy(x);
    F.normalize(n);
    byte[] le = new byte[LENGTH];
    F.encode(n, le, 0);
    byte[] be = new byte[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      be[i] = le[LENGTH - 1 - i];
    }
    return new BigInteger(1, be);
  }

  /** The square root of a with sgn0 = 0 (p = 5 mod 8); fails if a is not a square. */
  private static BigInteger evenSqrt(BigInteger a) {
    BigInteger r = a.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (!r.multiply(r).mod(P).equals(a)) {
      r = r.multiply(BigInteger.TWO.modPow(P.shiftRight(2), P)).mod(P);
    }
    if (!r.multiply(r).mod(P).equals(a)) {
      throw new IllegalStateException("not a square mod p: wrong curve constants");
    }
    return r.testBit(0) ? P.subtract(r) : r;
  }

  // Views for the RFC's vectors and the reference test: every number the vector files list.

  /** hash_to_field(msg, count) as integers in [0, p). */
  static BigInteger[] hashToField(byte[] msg, byte[] dst, int count) {
    int[][] u = hashToFieldElements(msg, dst, count);
    BigInteger[] out = new BigInteger[count];
    for (int i = 0; i < count; i++) {
      out[i] = toBigInteger(u[i]);
    }
    return out;
  }

  /** OS2IP of 48 big-endian bytes mod p, as hash_to_field reduces each chunk. */
  static BigInteger reduce(byte[] bigEndian48) {
    return toBigInteger(reduce48(bigEndian48, 0));
  }

  /** map_to_curve(u) on curve25519 (Q0, Q1 of RO; Q of NU) as affine {x, y}. */
  static BigInteger[] mapToCurve(BigInteger u) {
    int[][] m = mapToCurveElligator2(fe(u));
    int[] x = F.create();
    F.inv(m[1], x);
    F.mul(m[0], x, x);
    return new BigInteger[] {toBigInteger(x), toBigInteger(m[2])};
  }

  /** map_to_curve(u) on edwards25519 (appendix G.2.2) as affine {x, y}. */
  static BigInteger[] mapToEdwards(BigInteger u) {
    return edwardsAffine(toEdwards(mapToCurveElligator2(fe(u))));
  }

  /** P of the RO suite on curve25519 as affine {x, y}, from the same computation. */
  static BigInteger[] hashToCurveAffine(byte[] msg, byte[] dst) {
    return montgomeryAffine(edwardsAffine(hashToEdwards(msg, dst, 2)));
  }

  /** P of the NU suite on curve25519 as affine {x, y}. */
  static BigInteger[] encodeToCurveAffine(byte[] msg, byte[] dst) {
    return montgomeryAffine(edwardsAffine(hashToEdwards(msg, dst, 1)));
  }

  /**
   * P of the RO computation before it leaves edwards25519, as affine {x, y}: with that suite's DST
   * this is {@code edwards25519_XMD:SHA-512_ELL2_RO_}, whose vectors check the Edwards arithmetic.
   */
  static BigInteger[] hashToEdwardsAffine(byte[] msg, byte[] dst) {
    return edwardsAffine(hashToEdwards(msg, dst, 2));
  }

  private static BigInteger[] edwardsAffine(Edwards p) {
    int[] zInv = F.create();
    F.inv(p.z, zInv);
    int[] x = F.create();
    int[] y = F.create();
    F.mul(p.x, zInv, x);
    F.mul(p.y, zInv, y);
    return new BigInteger[] {toBigInteger(x), toBigInteger(y)};
  }

  /** RFC 7748 section 4.1: (u, v) = ((1 + y) / (1 - y), sqrt(-486664) * u / x); x != 0. */
  private static BigInteger[] montgomeryAffine(BigInteger[] xy) {
    BigInteger u =
        BigInteger.ONE.add(xy[1]).multiply(BigInteger.ONE.subtract(xy[1]).modInverse(P)).mod(P);
    BigInteger v = toBigInteger(SQRT_MINUS_486664).multiply(u).multiply(xy[0].modInverse(P)).mod(P);
    return new BigInteger[] {u, v};
  }
}
