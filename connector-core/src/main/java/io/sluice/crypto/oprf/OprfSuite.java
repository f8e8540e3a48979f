package io.sluice.crypto.oprf;

import io.sluice.crypto.group.P256Group;
import io.sluice.crypto.group.PrimeOrderGroup;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An RFC 9497 ciphersuite in mode 0x00 (OPRF base mode): a prime-order group, a hash function and
 * the context string {@code "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier} that separates every
 * hash of this suite from every other protocol's. Only mode 0 exists here; the verifiable modes
 * need proofs this codebase does not implement.
 *
 * <p>A suite is a constant: it takes nothing from the wire, and its domain separation tags are
 * fixed by the RFC (and checked against the RFC's {@code groupDST} in the tests). Immutable.
 *
 * @param <E> the group's element type
 */
public final class OprfSuite<E> {
  /** {@code P256-SHA256} of RFC 9497 section 4.3. */
  public static final OprfSuite<ECPoint> P256_SHA256 =
      new OprfSuite<>("P256-SHA256", P256Group.instance(), "SHA-256", 32);

  private static final byte MODE_OPRF = 0x00;

  private final String identifier;
  private final PrimeOrderGroup<E> group;
  private final String hashAlgorithm;
  private final int outputLength;
  private final byte[] hashToGroupDst;
  private final byte[] hashToScalarDst;
  private final byte[] deriveKeyPairDst;

  private OprfSuite(
      String identifier, PrimeOrderGroup<E> group, String hashAlgorithm, int outputLength) {
    this.identifier = identifier;
    this.group = group;
    this.hashAlgorithm = hashAlgorithm;
    this.outputLength = outputLength;
    byte[] context = contextString(identifier);
    this.hashToGroupDst = concat(ascii("HashToGroup-"), context);
    this.hashToScalarDst = concat(ascii("HashToScalar-"), context);
    this.deriveKeyPairDst = concat(ascii("DeriveKeyPair"), context);
    newDigest();
  }

  /** The suite identifier, e.g. {@code P256-SHA256}. */
  public String identifier() {
    return identifier;
  }

  /** The mode; always 0x00 (OPRF). */
  public int mode() {
    return MODE_OPRF;
  }

  public PrimeOrderGroup<E> group() {
    return group;
  }

  /** Length of an OPRF output ({@code Nh}), in bytes. */
  public int outputLength() {
    return outputLength;
  }

  byte[] hashToGroupDst() {
    return hashToGroupDst.clone();
  }

  byte[] hashToScalarDst() {
    return hashToScalarDst.clone();
  }

  byte[] deriveKeyPairDst() {
    return deriveKeyPairDst.clone();
  }

  MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance(hashAlgorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "hash " + hashAlgorithm + " unavailable", e);
    }
  }

  private static byte[] contextString(String identifier) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii("OPRFV1-"));
    out.write(MODE_OPRF);
    out.writeBytes(ascii("-"));
    out.writeBytes(ascii(identifier));
    return out.toByteArray();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return "OprfSuite[" + identifier + ", mode 0]";
  }
}
