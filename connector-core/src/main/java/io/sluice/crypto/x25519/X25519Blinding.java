package io.sluice.crypto.x25519;

import io.sluice.crypto.h2c.Curve25519HashToCurve;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * The commutative blinding function of ECDH-PSI: {@code blind(u) = X25519(k, u)} with one secret
 * scalar k per session, so that {@code blind_a(blind_b(h(x))) == blind_b(blind_a(h(x)))} and two
 * parties can compare doubly-blinded identifiers without revealing the others. Under the
 * (gap-)Diffie-Hellman assumption on Curve25519 and on its twist (about half of all hashed
 * u-coordinates land on the twist, which is also a secure group: cofactor 4, 253-bit prime), a
 * blinded value reveals nothing about the identifier to anyone without k.
 *
 * <p>Exactly one implementation computes X25519: Bouncy Castle's {@link X25519#scalarMult}. The
 * scalar comes from one {@link SecureRandom} and is clamped as RFC 7748 requires.
 *
 * <p>Validated and rejected, with {@link ErrorCode#INVALID_POINT}: an input that is not exactly 32
 * bytes, and every input whose result is all zeros (a low-order point: the scalar's cofactor factor
 * 8 annihilates it, and Bouncy Castle returns zeros silently). The zero test is constant-time.
 * Inputs are otherwise decoded as RFC 7748 section 5 says: bit 255 is ignored (cleared explicitly
 * here, so the behaviour does not depend on which library masks it) and a value in [p, 2^255) is
 * taken mod p. {@link #isCanonical} tells the protocol layer whether a value received from a peer
 * is in the unique encoding every X25519 output has.
 *
 * <p>Thread-safe for {@code blind} calls; {@link #close()} wipes the scalar and must come after the
 * last use.
 */
public final class X25519Blinding implements AutoCloseable {
  /** Length of a u-coordinate and of the scalar, in bytes. */
  public static final int LENGTH = X25519.POINT_SIZE;

  /** The coefficient A of curve25519, v^2 = u^3 + A u^2 + u (RFC 7748 section 4.1). */
  private static final int A = 486662;

  private final byte[] scalar;
  private volatile boolean closed;

  private X25519Blinding(byte[] scalar) {
    this.scalar = scalar;
  }

  /** A session with a fresh secret scalar drawn from {@code random}. */
  public static X25519Blinding newSession(SecureRandom random) {
    Objects.requireNonNull(random, "random");
    byte[] k = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(random, k);
    return new X25519Blinding(k);
  }

  /**
   * A session with a given scalar (copied; clamped by X25519 itself). Only for known-answer tests:
   * a scalar that is not fresh and secret breaks the protocol, so this stays package-private.
   */
  static X25519Blinding withScalar(byte[] scalar) {
    if (scalar.length != X25519.SCALAR_SIZE) {
      throw new IllegalArgumentException("scalar must be 32 bytes");
    }
    return new X25519Blinding(scalar.clone());
  }

  /**
   * {@code X25519(k, u)}.
   *
   * @throws SluiceException {@link ErrorCode#INVALID_POINT} if u is not 32 bytes or the result is
   *     all zeros (u of low order)
   */
  public byte[] blind(byte[] u) {
    checkOpen();
    if (u == null || u.length != LENGTH) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "an X25519 element must be 32 bytes");
    }
    byte[] input = u.clone();
    input[31] &= 0x7f;
    byte[] r = new byte[LENGTH];
    X25519.scalarMult(scalar, 0, input, 0, r, 0);
    if (isAllZero(r)) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "X25519 element of low order");
    }
    return r;
  }

  /** {@link #blind} of each value, in order; one bad value fails the whole batch. */
  public List<byte[]> blindAll(List<byte[]> us) {
    List<byte[]> out = new ArrayList<>(us.size());
    for (byte[] u : us) {
      out.add(blind(u));
    }
    return out;
  }

  /** {@code blind(hashToGroup(dst, identifier))}. */
  public byte[] hashAndBlind(byte[] dst, byte[] identifier) {
    return blind(hashToGroup(dst, identifier));
  }

  /**
   * Whether u is the canonical encoding of its field element: bit 255 clear and the value below p =
   * 2^255 - 19. Every output of {@link #blind} is canonical, so an honest peer only sends canonical
   * values; a protocol that compares received values byte for byte should refuse others ({@link
   * #requireCanonical}) so that equal elements always have equal bytes.
   */
  public static boolean isCanonical(byte[] u) {
    if (u == null || u.length != LENGTH) {
      return false;
    }
    if ((u[31] & 0xff) < 0x7f) {
      return true;
    }
    if ((u[31] & 0xff) > 0x7f) {
      return false; // bit 255 set
    }
    for (int i = 30; i >= 1; i--) {
      if ((u[i] & 0xff) != 0xff) {
        return true;
      }
    }
    return (u[0] & 0xff) < 0xed;
  }

  /** Returns u if {@link #isCanonical}, else throws {@link ErrorCode#INVALID_POINT}. */
  public static byte[] requireCanonical(byte[] u) {
    if (!isCanonical(u)) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "X25519 element not canonical");
    }
    return u;
  }

  /**
   * Hashes an identifier into the prime-order subgroup of curve25519: RFC 9380 {@code
   * curve25519_XMD:SHA-512_ELL2_RO_} ({@link Curve25519HashToCurve#hashToCurve}), as a canonical
   * u-coordinate. Blinding keeps such a value in the subgroup (the clamped scalar is a multiple of
   * 8), so no blinded value lies on the twist or reveals anything about the identifier's hash.
   *
   * @param dst the domain separation tag, non-empty, chosen by the caller: it should name the
   *     protocol, the agreement and the column, so that unrelated computations hash apart
   */
  public static byte[] hashToGroup(byte[] dst, byte[] identifier) {
    Objects.requireNonNull(dst, "dst");
    Objects.requireNonNull(identifier, "identifier");
    return Curve25519HashToCurve.hashToCurve(identifier, dst);
  }

  /**
   * Whether u is canonical ({@link #isCanonical}) and the u-coordinate of a point on curve25519
   * itself rather than on its twist: u^3 + A u^2 + u is a square mod p (zero included). Every
   * output of {@link #hashToGroup} and every blinding of one passes. So do the curve's own
   * low-order points (u = 0, 1 and the two points of order 8): the check is about the twist, not
   * the subgroup; {@link #blind} rejects low-order inputs by their all-zero result. For public
   * values: variable time (Euler's criterion as Bouncy Castle's {@code sqrtRatioVar}, one
   * exponentiation).
   */
  public static boolean isOnCurve(byte[] u) {
    if (!isCanonical(u)) {
      return false;
    }
    int[] x = X25519Field.create();
    X25519Field.decode255(u, 0, x, 0);
    int[] f = X25519Field.create();
    int[] t = X25519Field.create();
    X25519Field.sqr(x, f);
    X25519Field.mul(x, A, t);
    X25519Field.add(f, t, f);
    X25519Field.addOne(f);
    X25519Field.mul(f, x, f); // u^3 + A u^2 + u
    int[] one = X25519Field.create();
    X25519Field.one(one);
    return X25519Field.sqrtRatioVar(f, one, t);
  }

  /** Returns u if {@link #isOnCurve}, else throws {@link ErrorCode#INVALID_POINT}. */
  public static byte[] requireOnCurve(byte[] u) {
    if (!isOnCurve(u)) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "X25519 element not on the curve");
    }
    return u;
  }

  /** Wipes the scalar; later calls to {@link #blind} fail. */
  @Override
  public void close() {
    closed = true;
    Arrays.fill(scalar, (byte) 0);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("X25519 blinding session is closed");
    }
  }

  private static boolean isAllZero(byte[] r) {
    int acc = 0;
    for (byte b : r) {
      acc |= b;
    }
    return acc == 0;
  }

  @Override
  public String toString() {
    return "X25519Blinding[" + (closed ? "closed" : "open") + "]";
  }
}
