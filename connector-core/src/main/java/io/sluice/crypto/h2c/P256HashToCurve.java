package io.sluice.crypto.h2c;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;

/**
 * RFC 9380 hash-to-curve suite {@code P256_XMD:SHA-256_SSWU_RO_}: hashes a message to a point of
 * NIST P-256 that behaves as a random oracle (nobody learns a discrete logarithm of the output or a
 * relation between outputs). The points live on Bouncy Castle's custom {@code SecP256R1Curve}.
 *
 * <p>{@code hash_to_field} reduces 48-byte chunks of {@link ExpandMessageXmd} output, the map is
 * the simplified SWU of RFC 9380 section 6.6.2 in its straight-line form (appendix F.2) with {@code
 * sqrt_ratio} for q = 3 (mod 4) (appendix F.2.1.2). The code makes no branch or table index depend
 * on the message: selections are masked, exponentiation is by public constants, inversion is Bouncy
 * Castle's safegcd. The field operations underneath are Bouncy Castle's fixed-length limb code,
 * whose final conditional subtraction is a (rarely taken) data-dependent branch; the map is
 * therefore constant-time-ish, not audited constant-time. Every output is checked to be on the
 * curve before it is returned. The cofactor of P-256 is 1, so no clearing is needed.
 *
 * <p>Thread-safe and stateless.
 */
public final class P256HashToCurve {
  /** The suite identifier of RFC 9380 section 8.2. */
  public static final String SUITE_ID = "P256_XMD:SHA-256_SSWU_RO_";

  private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256r1");
  private static final ECCurve CURVE = PARAMS.getCurve();
  private static final int L = 48;

  private static final BigInteger P = P256Field.P;
  private static final int[] A = P256Field.fromBigInteger(P.subtract(BigInteger.valueOf(3)));
  private static final int[] B = P256Field.fromBigInteger(CURVE.getB().toBigInteger());
  private static final int[] Z = P256Field.fromBigInteger(P.subtract(BigInteger.TEN));
  private static final int[] ONE = P256Field.fromBigInteger(BigInteger.ONE);

  /** sqrt_ratio_3mod4 constant c1 = (q - 3) / 4. */
  private static final BigInteger C1 = P.subtract(BigInteger.valueOf(3)).shiftRight(2);

  /** sqrt_ratio_3mod4 constant c2 = sqrt(-Z); either root works, the map fixes the sign of y. */
  private static final int[] C2 = P256Field.fromBigInteger(sqrtOfTen());

  private P256HashToCurve() {}

  private static BigInteger sqrtOfTen() {
    BigInteger ten = BigInteger.TEN;
    BigInteger root = ten.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
    if (!root.multiply(root).mod(P).equals(ten)) {
      throw new IllegalStateException("10 is not a square mod p: wrong curve constants");
    }
    return root;
  }

  /** The curve the points live on (Bouncy Castle's {@code SecP256R1Curve}). */
  public static ECCurve curve() {
    return CURVE;
  }

  /** The domain parameters (generator and order) of the curve. */
  public static X9ECParameters parameters() {
    return PARAMS;
  }

  /**
   * {@code hash_to_curve(msg)} with the given DST. The result is a valid point, not normalized
   * (call {@link ECPoint#normalize()} or batch-normalize before reading coordinates); it is never
   * the identity except with negligible probability, which callers that need a non-identity element
   * check.
   */
  public static ECPoint hashToCurve(byte[] msg, byte[] dst) {
    Objects.requireNonNull(msg, "msg");
    Objects.requireNonNull(dst, "dst");
    byte[] uniform = ExpandMessageXmd.sha256().expand(msg, dst, 2 * L);
    P256Field f = new P256Field();
    int[] u0 = f.reduce48(uniform, 0);
    int[] u1 = f.reduce48(uniform, L);
    Arrays.fill(uniform, (byte) 0);
    ECPoint q0 = mapToCurve(f, u0);
    ECPoint q1 = mapToCurve(f, u1);
    Arrays.fill(u0, 0);
    Arrays.fill(u1, 0);
    return q0.add(q1);
  }

  /** {@code hash_to_curve} with a DST given as an ASCII string. */
  public static ECPoint hashToCurve(byte[] msg, String dst) {
    return hashToCurve(msg, dst.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * {@code hash_to_field(msg, count)} for GF(p) of P-256 (m = 1, L = 48): {@code count} field
   * elements as integers in [0, p). Exposed to this package for the RFC's vectors.
   */
  static BigInteger[] hashToField(byte[] msg, byte[] dst, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive");
    }
    byte[] uniform = ExpandMessageXmd.sha256().expand(msg, dst, count * L);
    P256Field f = new P256Field();
    BigInteger[] out = new BigInteger[count];
    for (int i = 0; i < count; i++) {
      out[i] = P256Field.toBigInteger(f.reduce48(uniform, i * L));
    }
    Arrays.fill(uniform, (byte) 0);
    return out;
  }

  /** {@code map_to_curve_simple_swu(u)} for a field element u in [0, p); exposed for vectors. */
  static ECPoint mapToCurve(BigInteger u) {
    return mapToCurve(new P256Field(), P256Field.fromBigInteger(u));
  }

  /** RFC 9380 appendix F.2, step for step (A = -3, B = b, Z = -10). */
  private static ECPoint mapToCurve(P256Field f, int[] u) {
    int[] tv1 = f.sqr(u); // 1. tv1 = u^2
    tv1 = f.mul(Z, tv1); // 2. tv1 = Z * tv1
    int[] tv2 = f.sqr(tv1); // 3. tv2 = tv1^2
    tv2 = P256Field.add(tv2, tv1); // 4. tv2 = tv2 + tv1
    int[] tv3 = P256Field.add(tv2, ONE); // 5. tv3 = tv2 + 1
    tv3 = f.mul(B, tv3); // 6. tv3 = B * tv3
    int[] tv4 = P256Field.select(Z, P256Field.neg(tv2), 1 ^ P256Field.isZero(tv2)); // 7.
    tv4 = f.mul(A, tv4); // 8. tv4 = A * tv4
    tv2 = f.sqr(tv3); // 9. tv2 = tv3^2
    int[] tv6 = f.sqr(tv4); // 10. tv6 = tv4^2
    int[] tv5 = f.mul(A, tv6); // 11. tv5 = A * tv6
    tv2 = P256Field.add(tv2, tv5); // 12. tv2 = tv2 + tv5
    tv2 = f.mul(tv2, tv3); // 13. tv2 = tv2 * tv3
    tv6 = f.mul(tv6, tv4); // 14. tv6 = tv6 * tv4
    tv5 = f.mul(B, tv6); // 15. tv5 = B * tv6
    tv2 = P256Field.add(tv2, tv5); // 16. tv2 = tv2 + tv5
    int[] x = f.mul(tv1, tv3); // 17. x = tv1 * tv3
    int[][] ratio = sqrtRatio(f, tv2, tv6); // 18. (is_gx1_square, y1) = sqrt_ratio(tv2, tv6)
    int isGx1Square = ratio[0][0];
    int[] y1 = ratio[1];
    int[] y = f.mul(tv1, u); // 19. y = tv1 * u
    y = f.mul(y, y1); // 20. y = y * y1
    x = P256Field.select(x, tv3, isGx1Square); // 21. x = CMOV(x, tv3, is_gx1_square)
    y = P256Field.select(y, y1, isGx1Square); // 22. y = CMOV(y, y1, is_gx1_square)
    int e1 = 1 ^ P256Field.sgn0(u) ^ P256Field.sgn0(y); // 23. e1 = sgn0(u) == sgn0(y)
    y = P256Field.select(P256Field.neg(y), y, e1); // 24. y = CMOV(-y, y, e1)
    x = f.mul(x, P256Field.inv(tv4)); // 25. x = x / tv4
    // validatePoint checks the curve equation: a wrong map would fail here, not downstream.
    return CURVE.validatePoint(P256Field.toBigInteger(x), P256Field.toBigInteger(y));
  }

  /**
   * sqrt_ratio_3mod4(u, v) of RFC 9380 appendix F.2.1.2: returns {{isQR}, y} with y = sqrt(u / v)
   * if u / v is a square, else y = sqrt(Z * u / v).
   */
  private static int[][] sqrtRatio(P256Field f, int[] u, int[] v) {
    int[] tv1 = f.sqr(v); // 1. tv1 = v^2
    int[] tv2 = f.mul(u, v); // 2. tv2 = u * v
    tv1 = f.mul(tv1, tv2); // 3. tv1 = tv1 * tv2
    int[] y1 = f.pow(tv1, C1); // 4. y1 = tv1^c1
    y1 = f.mul(y1, tv2); // 5. y1 = y1 * tv2
    int[] y2 = f.mul(y1, C2); // 6. y2 = y1 * c2
    int[] tv3 = f.sqr(y1); // 7. tv3 = y1^2
    tv3 = f.mul(tv3, v); // 8. tv3 = tv3 * v
    int isQr = P256Field.eq(tv3, u); // 9. isQR = tv3 == u
    int[] y = P256Field.select(y2, y1, isQr); // 10. y = CMOV(y2, y1, isQR)
    return new int[][] {{isQr}, y};
  }
}
