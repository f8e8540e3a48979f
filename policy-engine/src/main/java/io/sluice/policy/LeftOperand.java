package io.sluice.policy;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A resolved left operand: its kind and, for participant claims, the claim name.
 *
 * @param kind what the operand refers to
 * @param claim the claim name for {@link OperandKind#PARTICIPANT_CLAIM}, else null
 */
public record LeftOperand(OperandKind kind, String claim) {
  private static final String CLAIM_PREFIX = "sluice:participant.";
  private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");

  public LeftOperand {
    if ((kind == OperandKind.PARTICIPANT_CLAIM) != (claim != null)) {
      throw new IllegalArgumentException("a claim name goes with participant claims only");
    }
  }

  public static LeftOperand of(OperandKind kind) {
    return new LeftOperand(kind, null);
  }

  public static LeftOperand claim(String name) {
    return new LeftOperand(OperandKind.PARTICIPANT_CLAIM, name);
  }

  /** The compact term, e.g. {@code purpose} or {@code sluice:participant.role}. */
  public String term() {
    return claim == null ? kind.term() : CLAIM_PREFIX + claim;
  }

  /** Resolves a written term ({@code purpose}, {@code odrl:purpose}, the ODRL IRI, sluice:...). */
  public static Optional<LeftOperand> resolve(String written) {
    if (written == null) {
      return Optional.empty();
    }
    if (written.startsWith(CLAIM_PREFIX)) {
      String name = written.substring(CLAIM_PREFIX.length());
      return CLAIM_NAME.matcher(name).matches() ? Optional.of(claim(name)) : Optional.empty();
    }
    String local = written.startsWith("sluice:") ? written : Terms.odrlLocalName(written);
    for (OperandKind kind : OperandKind.values()) {
      if (kind != OperandKind.PARTICIPANT_CLAIM && kind.term().equals(local)) {
        return Optional.of(of(kind));
      }
    }
    return Optional.empty();
  }

  public ValueType valueType() {
    return kind.valueType();
  }

  @Override
  public String toString() {
    return term();
  }
}
