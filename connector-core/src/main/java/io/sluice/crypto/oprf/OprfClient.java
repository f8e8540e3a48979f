package io.sluice.crypto.oprf;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The client of an RFC 9497 OPRF in mode 0: {@code Blind} then {@code Finalize}. The server learns
 * nothing about the client's inputs from the blinded elements (each is the input's group element
 * times a fresh uniformly random scalar), and the client learns only F(skS, input) for its own
 * inputs.
 *
 * <p>Validated: input length (at most 65535 bytes, as the protocol encodes it in two bytes); every
 * evaluated element from the server is strictly decoded (length, on curve, not identity); the
 * number of evaluated elements must equal the number of blinded inputs. Mode 0 cannot detect a
 * server that evaluates with a wrong or per-client key; that needs the verifiable mode.
 *
 * <p>Thread-safe. The blinds are secret and held as {@link BigInteger} inside {@link Blinded}; drop
 * the {@code Blinded} values once finalized.
 */
public final class OprfClient {
  private final OprfProtocol<?> protocol;
  private final Supplier<BigInteger> blinds;

  /** A client drawing blinds from {@code random}. */
  public OprfClient(OprfSuite<?> suite, SecureRandom random) {
    this(suite, randomBlinds(suite, random));
  }

  /**
   * A client whose blinds come from {@code blinds}: only for known-answer tests, where the RFC
   * fixes the blind. Reusing a blind across inputs links them, so this stays package-private.
   */
  OprfClient(OprfSuite<?> suite, Supplier<BigInteger> blinds) {
    this.protocol = new OprfProtocol<>(Objects.requireNonNull(suite, "suite"));
    this.blinds = Objects.requireNonNull(blinds, "blinds");
  }

  private static <E> Supplier<BigInteger> randomBlinds(OprfSuite<E> suite, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    return () -> suite.group().randomScalar(random);
  }

  public OprfSuite<?> suite() {
    return protocol.suite();
  }

  /** {@code Blind(input)}. */
  public Blinded blind(byte[] input) {
    return protocol.blind(List.of(input), blinds).get(0);
  }

  /** {@code Blind} for each input, with one independent blind each and batched normalization. */
  public List<Blinded> blindAll(List<byte[]> inputs) {
    return protocol.blind(List.copyOf(inputs), blinds);
  }

  /** {@code Finalize(input, blind, evaluatedElement)}: the OPRF output for the blinded input. */
  public byte[] finalizeOutput(Blinded blinded, byte[] evaluatedElement) {
    return finalizeAll(List.of(blinded), List.of(evaluatedElement)).get(0);
  }

  /**
   * {@code Finalize} for each (blinded, evaluated) pair, in order.
   *
   * @throws SluiceException {@code MALFORMED_MESSAGE} if the counts differ, {@code INVALID_POINT}
   *     if an evaluated element is not a valid group element
   */
  public List<byte[]> finalizeAll(List<Blinded> blinded, List<byte[]> evaluatedElements) {
    for (Blinded b : blinded) {
      if (b.suite != protocol.suite()) {
        throw new IllegalArgumentException("blinded input of another suite");
      }
    }
    for (byte[] e : evaluatedElements) {
      if (e == null) {
        throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "missing evaluated element");
      }
    }
    return protocol.finalizeOutputs(List.copyOf(blinded), List.copyOf(evaluatedElements));
  }

  /**
   * One blinded input: the element to send to the server, and the secret blind and input that
   * {@code Finalize} needs. {@link #toString()} reveals neither.
   */
  public static final class Blinded {
    private final OprfSuite<?> suite;
    private final byte[] input;
    private final BigInteger blind;
    private final byte[] blindedElement;

    Blinded(OprfSuite<?> suite, byte[] input, BigInteger blind, byte[] blindedElement) {
      this.suite = suite;
      this.input = input;
      this.blind = blind;
      this.blindedElement = blindedElement;
    }

    /** The serialized blinded element, to send to the server. */
    public byte[] blindedElement() {
      return blindedElement.clone();
    }

    byte[] input() {
      return input;
    }

    BigInteger blind() {
      return blind;
    }

    @Override
    public String toString() {
      return "OprfClient.Blinded[" + suite.identifier() + "]";
    }
  }
}
