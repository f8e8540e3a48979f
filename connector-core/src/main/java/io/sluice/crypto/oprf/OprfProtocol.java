package io.sluice.crypto.oprf;

import io.sluice.crypto.group.PrimeOrderGroup;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The functions of RFC 9497 mode 0 (sections 3.2 and 3.3.1) over one group, on encoded values.
 * Package-private: {@link OprfClient}, {@link OprfServer} and {@link OprfPrivateKey} are the API.
 */
final class OprfProtocol<E> {
  private static final int MAX_INPUT_LENGTH = 0xffff;
  private static final byte[] FINALIZE = OprfSuite.ascii("Finalize");

  private final OprfSuite<E> suite;
  private final PrimeOrderGroup<E> group;

  OprfProtocol(OprfSuite<E> suite) {
    this.suite = suite;
    this.group = suite.group();
  }

  OprfSuite<E> suite() {
    return suite;
  }

  /** DeriveKeyPair(seed, info) of section 3.2.1; returns skS. */
  BigInteger deriveKey(byte[] seed, byte[] info) {
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(info, "info");
    if (seed.length != group.scalarLength()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "OPRF key seed must be " + group.scalarLength() + " bytes");
    }
    if (info.length > MAX_INPUT_LENGTH) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "OPRF key info too long");
    }
    // deriveInput = seed || I2OSP(len(info), 2) || info, then one counter byte.
    byte[] deriveInput = new byte[seed.length + 2 + info.length + 1];
    System.arraycopy(seed, 0, deriveInput, 0, seed.length);
    deriveInput[seed.length] = (byte) (info.length >>> 8);
    deriveInput[seed.length + 1] = (byte) info.length;
    System.arraycopy(info, 0, deriveInput, seed.length + 2, info.length);
    try {
      for (int counter = 0; counter <= 255; counter++) {
        deriveInput[deriveInput.length - 1] = (byte) counter;
        BigInteger sk = group.hashToScalar(suite.deriveKeyPairDst(), deriveInput);
        if (sk.signum() != 0) {
          return sk;
        }
      }
    } finally {
      java.util.Arrays.fill(deriveInput, (byte) 0);
    }
    throw new SluiceException(ErrorCode.INTERNAL, "DeriveKeyPair found no key");
  }

  byte[] publicKey(BigInteger sk) {
    return group.encodeElement(group.multiplyGenerator(sk));
  }

  /** Blind(input) of section 3.3.1 for many inputs; each gets a fresh blind from the source. */
  List<OprfClient.Blinded> blind(List<byte[]> inputs, Supplier<BigInteger> blinds) {
    List<E> blindedElements = new ArrayList<>(inputs.size());
    List<BigInteger> blindScalars = new ArrayList<>(inputs.size());
    for (byte[] input : inputs) {
      checkInput(input);
      E inputElement = group.hashToGroup(suite.hashToGroupDst(), input);
      if (group.isIdentity(inputElement)) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "OPRF input maps to the identity");
      }
      BigInteger blind = blinds.get();
      blindScalars.add(blind);
      blindedElements.add(group.multiply(inputElement, blind));
    }
    List<byte[]> encoded = group.encodeElements(blindedElements);
    List<OprfClient.Blinded> out = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      out.add(
          new OprfClient.Blinded(
              suite, inputs.get(i).clone(), blindScalars.get(i), encoded.get(i)));
    }
    return out;
  }

  /** BlindEvaluate(skS, blindedElement) of section 3.3.1 for many elements. */
  List<byte[]> blindEvaluate(BigInteger sk, List<byte[]> blindedElements) {
    List<E> evaluated = new ArrayList<>(blindedElements.size());
    for (byte[] encoded : blindedElements) {
      E blinded = group.decodeElement(encoded); // strict: length, on curve, not identity
      evaluated.add(group.multiply(blinded, sk));
    }
    return group.encodeElements(evaluated);
  }

  /** Finalize(input, blind, evaluatedElement) of section 3.3.1 for many inputs. */
  List<byte[]> finalizeOutputs(List<OprfClient.Blinded> blinded, List<byte[]> evaluatedElements) {
    if (blinded.size() != evaluatedElements.size()) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE,
          "expected " + blinded.size() + " evaluated elements, got " + evaluatedElements.size());
    }
    List<E> unblinded = new ArrayList<>(blinded.size());
    for (int i = 0; i < blinded.size(); i++) {
      E evaluated = group.decodeElement(evaluatedElements.get(i));
      BigInteger inverse = group.invert(blinded.get(i).blind());
      unblinded.add(group.multiply(evaluated, inverse));
    }
    List<byte[]> encoded = group.encodeElements(unblinded);
    List<byte[]> out = new ArrayList<>(blinded.size());
    for (int i = 0; i < blinded.size(); i++) {
      out.add(finalHash(blinded.get(i).input(), encoded.get(i)));
    }
    return out;
  }

  /** The server's direct evaluation (section 3.3.1 Evaluate): equals the client's Finalize. */
  List<byte[]> evaluate(BigInteger sk, List<byte[]> inputs) {
    List<E> evaluated = new ArrayList<>(inputs.size());
    for (byte[] input : inputs) {
      checkInput(input);
      E inputElement = group.hashToGroup(suite.hashToGroupDst(), input);
      if (group.isIdentity(inputElement)) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "OPRF input maps to the identity");
      }
      evaluated.add(group.multiply(inputElement, sk));
    }
    List<byte[]> encoded = group.encodeElements(evaluated);
    List<byte[]> out = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      out.add(finalHash(inputs.get(i), encoded.get(i)));
    }
    return out;
  }

  /** Hash(I2OSP(len(input), 2) || input || I2OSP(len(element), 2) || element || "Finalize"). */
  private byte[] finalHash(byte[] input, byte[] element) {
    MessageDigest h = suite.newDigest();
    h.update((byte) (input.length >>> 8));
    h.update((byte) input.length);
    h.update(input);
    h.update((byte) (element.length >>> 8));
    h.update((byte) element.length);
    h.update(element);
    h.update(FINALIZE);
    return h.digest();
  }

  private static void checkInput(byte[] input) {
    Objects.requireNonNull(input, "input");
    if (input.length > MAX_INPUT_LENGTH) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "OPRF input longer than " + MAX_INPUT_LENGTH + " bytes");
    }
  }
}
