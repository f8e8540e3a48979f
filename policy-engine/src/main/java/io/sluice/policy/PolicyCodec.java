package io.sluice.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and writes ODRL 2.2 policies in compact JSON-LD form, and gives their canonical bytes.
 *
 * <pre>{@code
 * Policy offer = PolicyCodec.parse(json);          // throws PolicyValidationException
 * String same = PolicyCodec.toJson(offer);         // the document as written
 * byte[] signed = PolicyCodec.canonicalBytes(offer); // what an agreement signature covers
 * }</pre>
 */
public final class PolicyCodec {
  private PolicyCodec() {}

  /**
   * Parses and validates a policy document.
   *
   * @throws PolicyValidationException with every problem found, each with a JSON pointer
   */
  public static Policy parse(String json) {
    return PolicyReader.read(json);
  }

  /** Every problem of a document, or an empty list when it is a valid policy. */
  public static List<PolicyProblem> validate(String json) {
    try {
      parse(json);
      return List.of();
    } catch (PolicyValidationException e) {
      return e.problems();
    }
  }

  /** The policy as compact JSON; for a parsed policy, the same JSON tree that was read. */
  public static String toJson(Policy policy) {
    return JsonText.write(PolicyWriter.write(policy));
  }

  /** The policy as indented JSON, for people. */
  public static String toPrettyJson(Policy policy) {
    try {
      return JsonText.MAPPER
          .writerWithDefaultPrettyPrinter()
          .writeValueAsString(PolicyWriter.write(policy));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  /**
   * The canonical form (see the package documentation of the rules): documents that mean the same
   * give the same bytes. It is UTF-8 JSON and parses back to an equivalent policy.
   */
  public static byte[] canonicalBytes(Policy policy) {
    return CanonicalForm.bytes(policy);
  }

  /** {@link #canonicalBytes} as a string. */
  public static String canonicalJson(Policy policy) {
    return new String(canonicalBytes(policy), StandardCharsets.UTF_8);
  }

  /** Lower-case hex SHA-256 of {@code bytes}. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** SHA-256 hex of the canonical bytes: the policy's content id. */
  public static String digest(Policy policy) {
    return sha256Hex(canonicalBytes(policy));
  }
}
