package io.sluice.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A constraint's right operand as written: one literal or a list of literals. Its meaning depends
 * on the left operand; {@link Condition#of} interprets it.
 */
public sealed interface RightOperand permits RightOperand.Literal, RightOperand.ListOperand {

  /** How a literal was written in JSON. */
  enum Form {
    /** {@code "text"} */
    STRING,
    /** {@code 42} or {@code 0.5} */
    NUMBER,
    /** {@code {"@value": "text", "@type": "xsd:..."}} */
    TYPED_STRING,
    /** {@code {"@value": 42, "@type": "xsd:..."}} */
    TYPED_NUMBER,
    /** {@code {"@id": "iri"}} */
    IRI
  }

  /**
   * One literal.
   *
   * @param lexical the text of the value (a number's decimal text for numbers)
   * @param form how it was written
   * @param type the {@code @type} of a typed literal, else null
   */
  record Literal(String lexical, Form form, String type) implements RightOperand {
    public Literal {
      Objects.requireNonNull(lexical, "lexical");
      Objects.requireNonNull(form, "form");
      if ((form == Form.TYPED_STRING || form == Form.TYPED_NUMBER) != (type != null)) {
        throw new IllegalArgumentException("a type goes with typed literals only");
      }
    }

    /** True when the literal is written as a JSON number. */
    boolean numeric() {
      return form == Form.NUMBER || form == Form.TYPED_NUMBER;
    }
  }

  /**
   * A JSON array of literals.
   *
   * @param values the literals in written order
   */
  record ListOperand(List<Literal> values) implements RightOperand {
    public ListOperand {
      values = List.copyOf(values);
    }
  }

  /** {@code "text"} */
  static Literal string(String value) {
    return new Literal(value, Form.STRING, null);
  }

  /** A JSON integer. */
  static Literal number(long value) {
    return new Literal(Long.toString(value), Form.NUMBER, null);
  }

  /** A JSON number from its decimal text. */
  static Literal number(String decimal) {
    return new Literal(decimal, Form.NUMBER, null);
  }

  /** {@code {"@value": value, "@type": xsdType}} */
  static Literal typed(String value, String xsdType) {
    return new Literal(value, Form.TYPED_STRING, xsdType);
  }

  /** A JSON array of strings. */
  static ListOperand strings(Collection<String> values) {
    List<Literal> literals = new ArrayList<>();
    for (String value : values) {
      literals.add(string(value));
    }
    return new ListOperand(literals);
  }
}
