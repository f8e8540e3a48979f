package io.sluice.compute;

import io.sluice.data.KeyExtractor;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.policy.KeyColumns;
import io.sluice.policy.PolicyTerms;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The agreement's join key ({@code sluice:keyColumns}) as each side applies it: the provider joins
 * on exactly the agreement's columns with the agreement's case rules; the consumer names its own
 * columns, paired with the agreement's in order, and gets the agreement's rules for them (so both
 * sides normalize alike). Nobody but the agreement chooses the provider's columns.
 */
public final class KeyBinding {
  private KeyBinding() {}

  /** A consumer's column and, if it named one, the case rule it expects. */
  public record Requested(String name, String caseRule) {}

  /**
   * The agreement key to use: {@code requested} (canonicalized) if the agreement allows it, else
   * the agreement's only key.
   *
   * @throws SluiceException POLICY_DENIED if the agreement allows no such key; INVALID_ARGUMENT if
   *     it allows several and none was named; AGREEMENT_NOT_USABLE if it names none
   */
  public static String choose(PolicyTerms terms, String requested) {
    Set<String> allowed =
        terms
            .keyColumns()
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.AGREEMENT_NOT_USABLE,
                        "the agreement does not bind its key columns (sluice:keyColumns)"));
    if (requested != null && !requested.isBlank()) {
      String canonical = canonical(requested);
      if (!allowed.contains(canonical)) {
        throw new SluiceException(
            ErrorCode.POLICY_DENIED,
            "the agreement allows the key " + String.join(" or ", allowed) + ", not " + canonical);
      }
      return canonical;
    }
    if (allowed.size() != 1) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the agreement allows the keys " + allowed + "; name one with --provider-key");
    }
    return allowed.iterator().next();
  }

  /** The canonical text of a key, or INVALID_ARGUMENT. */
  public static String canonical(String key) {
    try {
      return KeyColumns.canonical(key);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  /** The provider's extractor: the agreement's columns and rules, checked against its schema. */
  public static KeyExtractor provider(String keyColumns, Schema schema) {
    List<KeyExtractor.KeyColumn> out = new ArrayList<>();
    for (KeyColumns.Column c : parse(keyColumns).columns()) {
      requireColumn(c.name(), schema, "the dataset");
      out.add(new KeyExtractor.KeyColumn(c.name(), rule(c.caseRule())));
    }
    return KeyExtractor.of(out);
  }

  /**
   * The consumer's extractor: its own columns, one per agreement column, each with the agreement's
   * rule for that position.
   *
   * @throws SluiceException INVALID_ARGUMENT if the count differs, a column is missing from the
   *     input, or a stated rule is not the agreement's
   */
  public static KeyExtractor consumer(String keyColumns, List<Requested> ours, Schema schema) {
    List<KeyColumns.Column> agreed = parse(keyColumns).columns();
    if (ours.size() != agreed.size()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the agreement's key has "
              + agreed.size()
              + " column(s) ("
              + keyColumns
              + "); name as many of the input's columns, in that order, not "
              + ours.size());
    }
    List<KeyExtractor.KeyColumn> out = new ArrayList<>();
    for (int i = 0; i < agreed.size(); i++) {
      Requested r = ours.get(i);
      KeyColumns.Column a = agreed.get(i);
      if (r.caseRule() != null
          && !r.caseRule().isEmpty()
          && !r.caseRule().toLowerCase(Locale.ROOT).equals(a.caseRule().term())) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "key column "
                + r.name()
                + " is compared as the agreement's "
                + a.name()
                + " ("
                + a.caseRule().term()
                + "), not "
                + r.caseRule());
      }
      requireColumn(r.name(), schema, "the input");
      out.add(new KeyExtractor.KeyColumn(r.name(), rule(a.caseRule())));
    }
    return KeyExtractor.of(out);
  }

  private static KeyColumns parse(String keyColumns) {
    try {
      return KeyColumns.parse(keyColumns);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private static void requireColumn(String name, Schema schema, String where) {
    boolean present = schema.getFields().stream().map(Field::getName).anyMatch(name::equals);
    if (!present) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "no key column '"
              + name
              + "' in "
              + where
              + " (columns: "
              + schema.getFields().stream().map(Field::getName).toList()
              + ")");
    }
  }

  private static KeyExtractor.CaseRule rule(KeyColumns.CaseRule rule) {
    return switch (rule) {
      case PRESERVE -> KeyExtractor.CaseRule.PRESERVE;
      case LOWER -> KeyExtractor.CaseRule.LOWER;
      case UPPER -> KeyExtractor.CaseRule.UPPER;
    };
  }
}
