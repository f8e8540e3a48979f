package io.sluice.crypto.group;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;

/**
 * A prime-order group as RFC 9497 section 2.1 uses it: elements with a canonical fixed-length
 * encoding, scalars in Z_n, and hash functions into both. OPRF and labelled PSI are written against
 * this interface so that another group (SM2 with SM3) can sit behind it later.
 *
 * <p>Contract every implementation keeps:
 *
 * <ul>
 *   <li>{@link #decodeElement} accepts exactly the canonical encoding of a non-identity element of
 *       the prime-order group and rejects everything else with {@code INVALID_POINT} (wrong length,
 *       non-canonical coordinates, not on the curve, not in the subgroup, identity);
 *   <li>{@link #decodeScalar} accepts exactly {@link #scalarLength()} bytes encoding a value in [1,
 *       n-1] and rejects everything else with {@code MALFORMED_MESSAGE};
 *   <li>multiplications by a secret scalar ({@link #multiply}, {@link #multiplyGenerator}) do not
 *       branch on or index memory with the scalar;
 *   <li>elements are immutable values; all methods are thread-safe.
 * </ul>
 *
 * @param <E> the element type; values of one group must not be passed to another
 */
public interface PrimeOrderGroup<E> {

  /** A short name, e.g. {@code P256}. */
  String name();

  /** The prime order n of the group. */
  BigInteger order();

  /** Length of an encoded element, in bytes ({@code Ne} of RFC 9497). */
  int elementLength();

  /** Length of an encoded scalar, in bytes ({@code Ns} of RFC 9497). */
  int scalarLength();

  /** The fixed generator. */
  E generator();

  /** Whether the element is the identity. */
  boolean isIdentity(E element);

  /** Whether two elements are equal (public values; not constant-time). */
  boolean equal(E a, E b);

  /** {@code HashToGroup} with a domain separation tag: a random-oracle map into the group. */
  E hashToGroup(byte[] dst, byte[] input);

  /** {@code HashToScalar} with a domain separation tag: a uniform-looking scalar in [0, n-1]. */
  BigInteger hashToScalar(byte[] dst, byte[] input);

  /** {@code k * element} for a secret scalar k in [1, n-1], in time independent of k. */
  E multiply(E element, BigInteger k);

  /** {@code k * element} for each element, with the same secret scalar. */
  List<E> multiplyAll(List<E> elements, BigInteger k);

  /** {@code k * G} for a secret scalar k in [1, n-1] (fixed-base, constant-time comb). */
  E multiplyGenerator(BigInteger k);

  /** {@code a + b}. */
  E add(E a, E b);

  /** The canonical encoding ({@code SerializeElement}); the identity cannot be encoded. */
  byte[] encodeElement(E element);

  /** The canonical encodings of many elements, sharing the normalization work. */
  List<byte[]> encodeElements(List<E> elements);

  /** Strict {@code DeserializeElement}: see the class contract. */
  E decodeElement(byte[] encoded);

  /** {@code SerializeScalar}: fixed-length big-endian. */
  byte[] encodeScalar(BigInteger k);

  /** Strict {@code DeserializeScalar}: see the class contract. */
  BigInteger decodeScalar(byte[] encoded);

  /** A uniformly random scalar in [1, n-1] ({@code RandomScalar}). */
  BigInteger randomScalar(SecureRandom random);

  /** {@code k^-1 mod n} for k in [1, n-1], in time independent of k. */
  BigInteger invert(BigInteger k);
}
