package io.sluice.crypto.group;

import io.sluice.crypto.h2c.ExpandMessageXmd;
import io.sluice.crypto.h2c.P256HashToCurve;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECMultiplier;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * NIST P-256 as a {@link PrimeOrderGroup}, following RFC 9497 section 4.3 (the group of suite
 * P256-SHA256): {@code HashToGroup} is RFC 9380 {@code P256_XMD:SHA-256_SSWU_RO_}, {@code
 * HashToScalar} is {@code hash_to_field} with modulus n and SHA-256, elements are SEC1 compressed
 * points (33 bytes), scalars 32-byte big-endian.
 *
 * <p>Arithmetic runs on Bouncy Castle's custom {@code SecP256R1Curve}. Secret-scalar multiplication
 * of a variable point uses Bouncy Castle's {@code ECConstantTimeMultiplier} (fixed window, odd
 * signed digits, cache-safe table lookups); multiplication of the generator uses the fixed-base
 * comb ({@link FixedPointCombMultiplier}, whose lookups are also cache-safe). Scalars travel as
 * {@link BigInteger}, which cannot be wiped and whose internal length reveals leading zero words;
 * that is the limit of what a BigInteger-based API can promise.
 *
 * <p>Validation of an element from the wire: exactly 33 bytes, prefix 0x02 or 0x03, x below p, x
 * the abscissa of a curve point, not the identity (the cofactor is 1, so every curve point is in
 * the group). A scalar from the wire: exactly 32 bytes, in [1, n-1].
 */
public final class P256Group implements PrimeOrderGroup<ECPoint> {
  private static final P256Group INSTANCE = new P256Group();
  private static final int ELEMENT_LENGTH = 33;
  private static final int SCALAR_LENGTH = 32;
  private static final int HASH_TO_SCALAR_L = 48;

  private final ECCurve curve = P256HashToCurve.curve();
  private final BigInteger n = P256HashToCurve.parameters().getN();
  private final ECPoint g = P256HashToCurve.parameters().getG().normalize();
  private final ECMultiplier comb = new FixedPointCombMultiplier();

  private P256Group() {}

  /** The group (stateless, shared). */
  public static P256Group instance() {
    return INSTANCE;
  }

  /** The Bouncy Castle curve the elements live on. */
  public ECCurve curve() {
    return curve;
  }

  @Override
  public String name() {
    return "P256";
  }

  @Override
  public BigInteger order() {
    return n;
  }

  @Override
  public int elementLength() {
    return ELEMENT_LENGTH;
  }

  @Override
  public int scalarLength() {
    return SCALAR_LENGTH;
  }

  @Override
  public ECPoint generator() {
    return g;
  }

  @Override
  public boolean isIdentity(ECPoint element) {
    return own(element).isInfinity();
  }

  @Override
  public boolean equal(ECPoint a, ECPoint b) {
    return own(a).equals(own(b));
  }

  @Override
  public ECPoint hashToGroup(byte[] dst, byte[] input) {
    return P256HashToCurve.hashToCurve(input, dst);
  }

  @Override
  public BigInteger hashToScalar(byte[] dst, byte[] input) {
    byte[] uniform = ExpandMessageXmd.sha256().expand(input, dst, HASH_TO_SCALAR_L);
    BigInteger s = new BigInteger(1, uniform).mod(n);
    Arrays.fill(uniform, (byte) 0);
    return s;
  }

  @Override
  public ECPoint multiply(ECPoint element, BigInteger k) {
    checkScalar(k);
    return ECAlgorithms.multiplySecret(own(element), k, n);
  }

  @Override
  public List<ECPoint> multiplyAll(List<ECPoint> elements, BigInteger k) {
    checkScalar(k);
    List<ECPoint> out = new ArrayList<>(elements.size());
    for (ECPoint e : elements) {
      out.add(ECAlgorithms.multiplySecret(own(e), k, n));
    }
    return out;
  }

  @Override
  public ECPoint multiplyGenerator(BigInteger k) {
    checkScalar(k);
    return comb.multiply(g, k);
  }

  @Override
  public ECPoint add(ECPoint a, ECPoint b) {
    return own(a).add(own(b));
  }

  @Override
  public byte[] encodeElement(ECPoint element) {
    if (own(element).isInfinity()) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "the identity element has no encoding");
    }
    return element.getEncoded(true);
  }

  @Override
  public List<byte[]> encodeElements(List<ECPoint> elements) {
    ECPoint[] points = elements.toArray(new ECPoint[0]);
    for (ECPoint p : points) {
      if (own(p).isInfinity()) {
        throw new SluiceException(ErrorCode.INVALID_POINT, "the identity element has no encoding");
      }
    }
    // One field inversion for the whole batch (Montgomery's trick) instead of one per point.
    curve.normalizeAll(points);
    List<byte[]> out = new ArrayList<>(points.length);
    for (ECPoint p : points) {
      out.add(p.getEncoded(true));
    }
    return out;
  }

  @Override
  public ECPoint decodeElement(byte[] encoded) {
    if (encoded == null || encoded.length != ELEMENT_LENGTH) {
      throw new SluiceException(
          ErrorCode.INVALID_POINT, "a P-256 element must be " + ELEMENT_LENGTH + " bytes");
    }
    if (encoded[0] != 0x02 && encoded[0] != 0x03) {
      throw new SluiceException(
          ErrorCode.INVALID_POINT, "a P-256 element must be a compressed point");
    }
    ECPoint p;
    try {
      // Bouncy Castle rejects x >= p and an x without a square root of x^3 - 3x + b.
      p = curve.decodePoint(encoded);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "not a P-256 point");
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "not a P-256 group element");
    }
    return p;
  }

  @Override
  public byte[] encodeScalar(BigInteger k) {
    Objects.requireNonNull(k, "k");
    if (k.signum() < 0 || k.compareTo(n) >= 0) {
      throw new IllegalArgumentException("scalar out of range");
    }
    return BigIntegers.asUnsignedByteArray(SCALAR_LENGTH, k);
  }

  @Override
  public BigInteger decodeScalar(byte[] encoded) {
    if (encoded == null || encoded.length != SCALAR_LENGTH) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a P-256 scalar must be " + SCALAR_LENGTH + " bytes");
    }
    BigInteger k = new BigInteger(1, encoded);
    if (k.signum() == 0 || k.compareTo(n) >= 0) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "P-256 scalar out of range");
    }
    return k;
  }

  @Override
  public BigInteger randomScalar(SecureRandom random) {
    byte[] buf = new byte[SCALAR_LENGTH];
    try {
      while (true) {
        random.nextBytes(buf);
        BigInteger k = new BigInteger(1, buf);
        // Rejection sampling: n is within 2^-32 of 2^256, so a retry is rare.
        if (k.signum() != 0 && k.compareTo(n) < 0) {
          return k;
        }
      }
    } finally {
      Arrays.fill(buf, (byte) 0);
    }
  }

  @Override
  public BigInteger invert(BigInteger k) {
    checkScalar(k);
    return BigIntegers.modOddInverse(n, k);
  }

  private void checkScalar(BigInteger k) {
    Objects.requireNonNull(k, "k");
    if (k.signum() <= 0 || k.compareTo(n) >= 0) {
      throw new IllegalArgumentException("scalar must be in [1, n-1]");
    }
  }

  private ECPoint own(ECPoint p) {
    Objects.requireNonNull(p, "element");
    if (p.getCurve() != curve) {
      throw new IllegalArgumentException("element of another curve");
    }
    return p;
  }
}
