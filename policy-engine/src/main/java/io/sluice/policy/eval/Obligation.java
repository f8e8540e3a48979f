package io.sluice.policy.eval;

import io.sluice.policy.Condition;
import io.sluice.policy.OperandKind;
import io.sluice.policy.Operator;
import io.sluice.policy.RightOperand;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.StringJoiner;

/**
 * A duty that comes with a permit: the caller must fulfil it (e.g. delete the result within 30
 * days).
 *
 * @param action the duty's action, e.g. {@code delete}, {@code inform}, {@code sluice:addNoise}
 * @param ruleUid the duty's uid, or its JSON pointer when it has none
 * @param pointer JSON pointer of the duty in the policy document
 * @param terms the duty's constraints (e.g. {@code sluice:retention lteq P30D})
 * @param parties party functions by term (e.g. {@code informedParty} to a participant id)
 * @param consequences duties that follow if this one is not fulfilled
 */
public record Obligation(
    String action,
    String ruleUid,
    String pointer,
    List<Condition> terms,
    Map<String, String> parties,
    List<Obligation> consequences) {

  public Obligation {
    terms = List.copyOf(terms);
    parties = Map.copyOf(parties);
    consequences = List.copyOf(consequences);
  }

  /** For a delete duty: the longest the result may be kept (ISO 8601), if the duty says. */
  public Optional<String> retention() {
    for (Condition c : terms) {
      if (c.operand().kind() == OperandKind.RETENTION
          && (c.operator() == Operator.LTEQ
              || c.operator() == Operator.LT
              || c.operator() == Operator.EQ)) {
        return Optional.of(((RightOperand.Literal) c.right()).lexical());
      }
    }
    return Optional.empty();
  }

  /** For a sluice:addNoise duty: the largest epsilon the noise may have, if the duty says. */
  public OptionalDouble maxEpsilon() {
    for (Condition c : terms) {
      if (c.operand().kind() == OperandKind.EPSILON
          && (c.operator() == Operator.LTEQ
              || c.operator() == Operator.LT
              || c.operator() == Operator.EQ)) {
        return OptionalDouble.of(Double.parseDouble(((RightOperand.Literal) c.right()).lexical()));
      }
    }
    return OptionalDouble.empty();
  }

  /** For an inform duty: the party to inform ({@code informedParty}), if the duty names one. */
  public Optional<String> informedParty() {
    return Optional.ofNullable(parties.get("informedParty"));
  }

  /** E.g. {@code delete (sluice:retention lteq P30D)}. */
  public String describe() {
    StringJoiner terms = new StringJoiner(", ", " (", ")").setEmptyValue("");
    for (Condition c : this.terms) {
      terms.add(c.expected());
    }
    parties.forEach((function, party) -> terms.add(function + " " + party));
    return action + terms;
  }

  @Override
  public String toString() {
    return describe();
  }
}
