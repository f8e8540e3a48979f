package io.sluice.crypto.oprf;

import java.util.List;
import java.util.Objects;

/**
 * The server of an RFC 9497 OPRF in mode 0: {@code BlindEvaluate} of the client's blinded elements
 * and the direct {@code Evaluate} of its own rows. Outputs are F(skS, x) = Hash(x, skS *
 * HashToGroup(x)); without skS they are pseudorandom, and the server learns nothing about the
 * client's inputs from what it evaluates.
 *
 * <p>Validated: every blinded element is strictly decoded before it is multiplied (exactly the
 * group's element length, canonical, on the curve, not the identity), so a client cannot make the
 * server multiply an invalid or low-order point; own inputs are at most 65535 bytes. The key is
 * multiplied in constant time. Thread-safe; share one instance across threads.
 */
public final class OprfServer {
  private final OprfPrivateKey key;
  private final OprfProtocol<?> protocol;

  public OprfServer(OprfPrivateKey key) {
    this.key = Objects.requireNonNull(key, "key");
    this.protocol = new OprfProtocol<>(key.suite());
  }

  public OprfSuite<?> suite() {
    return protocol.suite();
  }

  /** {@code BlindEvaluate(skS, blindedElement)}: the serialized evaluated element. */
  public byte[] blindEvaluate(byte[] blindedElement) {
    return blindEvaluateAll(List.of(blindedElement)).get(0);
  }

  /** {@code BlindEvaluate} of each element, in order, with batched normalization. */
  public List<byte[]> blindEvaluateAll(List<byte[]> blindedElements) {
    return protocol.blindEvaluate(key.scalar(), List.copyOf(blindedElements));
  }

  /**
   * {@code Evaluate(skS, input)}: the OPRF output of one of the server's own rows, equal to what a
   * client obtains for the same input through blind, evaluate and finalize.
   */
  public byte[] evaluate(byte[] input) {
    return evaluateAll(List.of(input)).get(0);
  }

  /** {@code Evaluate} of each own input, in order. */
  public List<byte[]> evaluateAll(List<byte[]> inputs) {
    return protocol.evaluate(key.scalar(), List.copyOf(inputs));
  }
}
