package io.sluice.policy.eval;

import io.sluice.policy.KeyColumns;
import io.sluice.policy.Vocabulary;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a joint computation will do, as the caller declares it and the computation enforces it.
 *
 * @param kind psi, psi-cardinality, psi-label, aggregate or sql
 * @param inputRows rows this caller submits, if known
 * @param outputColumns the columns the computation releases (empty: none, e.g. a cardinality)
 * @param minGroupSize the minimum result group size k the computation enforces, if any
 * @param parties the number of parties required before anything is released, if known
 * @param epsilon the differential-privacy budget spent, if the computation adds noise
 * @param keyColumns the provider's key columns a PSI joins on, as canonical {@link KeyColumns}
 *     text, if known
 */
public record Computation(
    String kind,
    OptionalLong inputRows,
    Set<String> outputColumns,
    OptionalLong minGroupSize,
    OptionalLong parties,
    OptionalDouble epsilon,
    Optional<String> keyColumns) {

  public Computation {
    Objects.requireNonNull(kind, "kind");
    if (!Vocabulary.COMPUTATION_KINDS.contains(kind)) {
      throw new IllegalArgumentException(
          "unknown computation kind '" + kind + "'; use one of " + Vocabulary.COMPUTATION_KINDS);
    }
    outputColumns = Set.copyOf(outputColumns);
    Objects.requireNonNull(inputRows, "inputRows");
    Objects.requireNonNull(minGroupSize, "minGroupSize");
    Objects.requireNonNull(parties, "parties");
    Objects.requireNonNull(epsilon, "epsilon");
    if (epsilon.isPresent() && !Double.isFinite(epsilon.getAsDouble())) {
      throw new IllegalArgumentException("epsilon must be finite");
    }
    Objects.requireNonNull(keyColumns, "keyColumns");
    keyColumns = keyColumns.map(Computation::canonicalKey);
  }

  private static String canonicalKey(String written) {
    try {
      return KeyColumns.canonical(written);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid key columns '" + written + "': " + e.getMessage(), e);
    }
  }

  /** A computation of {@code kind} with nothing else declared yet. */
  public static Computation of(String kind) {
    return new Computation(
        kind,
        OptionalLong.empty(),
        Set.of(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalDouble.empty(),
        Optional.empty());
  }

  public Computation withInputRows(long rows) {
    return new Computation(
        kind, OptionalLong.of(rows), outputColumns, minGroupSize, parties, epsilon, keyColumns);
  }

  public Computation withOutputColumns(Set<String> columns) {
    return new Computation(kind, inputRows, columns, minGroupSize, parties, epsilon, keyColumns);
  }

  public Computation withOutputColumns(String... columns) {
    return withOutputColumns(Set.of(columns));
  }

  public Computation withMinGroupSize(long k) {
    return new Computation(
        kind, inputRows, outputColumns, OptionalLong.of(k), parties, epsilon, keyColumns);
  }

  public Computation withParties(long count) {
    return new Computation(
        kind, inputRows, outputColumns, minGroupSize, OptionalLong.of(count), epsilon, keyColumns);
  }

  public Computation withEpsilon(double value) {
    return new Computation(
        kind,
        inputRows,
        outputColumns,
        minGroupSize,
        parties,
        OptionalDouble.of(value),
        keyColumns);
  }

  /**
   * The provider's key columns the PSI joins on, e.g. {@code national_id:upper,visit_date} (see
   * {@link KeyColumns}); kept in canonical form.
   *
   * @throws IllegalArgumentException when {@code key} is not a valid key
   */
  public Computation withKeyColumns(String key) {
    Objects.requireNonNull(key, "key");
    return new Computation(
        kind, inputRows, outputColumns, minGroupSize, parties, epsilon, Optional.of(key));
  }

  /** The output columns sorted, for stable messages. */
  String columnsText() {
    return new TreeSet<>(outputColumns).toString();
  }
}
