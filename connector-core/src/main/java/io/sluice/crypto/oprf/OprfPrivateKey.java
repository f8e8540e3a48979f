package io.sluice.crypto.oprf;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The server's OPRF key skS of one suite, a scalar in [1, n-1]. Anyone holding it can compute the
 * OPRF on any input, so it is as secret as the data it keys. Immutable; {@link #toString()} does
 * not reveal it.
 *
 * <p>Validated: an imported key is exactly the group's scalar length and in [1, n-1]; a derived
 * key's seed is exactly the scalar length (RFC 9497 {@code DeriveKeyPair}).
 */
public final class OprfPrivateKey {
  private final OprfProtocol<?> protocol;
  private final BigInteger scalar;

  private OprfPrivateKey(OprfProtocol<?> protocol, BigInteger scalar) {
    this.protocol = protocol;
    this.scalar = scalar;
  }

  /** A fresh random key. */
  public static OprfPrivateKey generate(OprfSuite<?> suite, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    return new OprfPrivateKey(new OprfProtocol<>(suite), suite.group().randomScalar(random));
  }

  /** {@code DeriveKeyPair(seed, info)} of RFC 9497 section 3.2.1. */
  public static OprfPrivateKey derive(OprfSuite<?> suite, byte[] seed, byte[] info) {
    OprfProtocol<?> protocol = new OprfProtocol<>(suite);
    return new OprfPrivateKey(protocol, protocol.deriveKey(seed, info));
  }

  /**
   * Imports a key from its serialized scalar.
   *
   * @throws io.sluice.error.SluiceException {@code MALFORMED_MESSAGE} if the length is wrong or the
   *     value is not in [1, n-1]
   */
  public static OprfPrivateKey fromBytes(OprfSuite<?> suite, byte[] encoded) {
    return new OprfPrivateKey(new OprfProtocol<>(suite), suite.group().decodeScalar(encoded));
  }

  public OprfSuite<?> suite() {
    return protocol.suite();
  }

  /** {@code SerializeElement(skS * G)}: the public key (used by the verifiable modes). */
  public byte[] publicKey() {
    return protocol.publicKey(scalar);
  }

  /**
   * The serialized secret scalar. Whoever gets these bytes can evaluate the OPRF: store them only
   * encrypted (the key store's job), never log them.
   */
  public byte[] exportSecretScalar() {
    return protocol.suite().group().encodeScalar(scalar);
  }

  BigInteger scalar() {
    return scalar;
  }

  @Override
  public String toString() {
    return "OprfPrivateKey[" + protocol.suite().identifier() + "]";
  }
}
