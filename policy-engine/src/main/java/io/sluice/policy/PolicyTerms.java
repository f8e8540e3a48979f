package io.sluice.policy;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * A summary of what a policy allows, for code that prepares a negotiation or a computation (e.g.
 * which computation kinds to offer, how many rows to send, how long to keep a result). It reads the
 * permissions' top-level constraints (and {@code and} groups); constraints inside {@code or}/{@code
 * xone} are not summarized.
 *
 * <p>Each term is the <b>loosest</b> any permission allows: empty when some permission leaves it
 * unconstrained. It describes the policy, it does not decide: a request is allowed only when {@code
 * CompiledPolicy.evaluate} permits it.
 */
public final class PolicyTerms {
  private final Optional<Set<String>> computationKinds;
  private final Optional<Set<String>> outputColumns;
  private final Optional<Set<String>> purposes;
  private final Optional<Set<String>> keyColumns;
  private final OptionalLong maxInputRows;
  private final OptionalLong minResultGroupSize;
  private final OptionalLong maxUseCount;
  private final OptionalLong minParties;
  private final OptionalDouble maxEpsilon;
  private final Optional<Instant> validUntil;
  private final Optional<String> retention;

  private PolicyTerms(List<EffectiveRule> permissions) {
    this.computationKinds =
        union(permissions, p -> choice(p, OperandKind.COMPUTATION, Vocabulary.COMPUTATION_KINDS));
    this.outputColumns = union(permissions, PolicyTerms::columns);
    this.purposes = union(permissions, p -> choice(p, OperandKind.PURPOSE, null));
    this.keyColumns = union(permissions, p -> choice(p, OperandKind.KEY_COLUMNS, null));
    this.maxInputRows = maxOf(permissions, OperandKind.INPUT_ROWS);
    this.minResultGroupSize = minOf(permissions, OperandKind.MIN_RESULT_GROUP_SIZE);
    this.maxUseCount = maxOf(permissions, OperandKind.COUNT);
    this.minParties = minOf(permissions, OperandKind.MIN_PARTIES);
    OptionalLong epsilon = maxOf(permissions, OperandKind.EPSILON);
    this.maxEpsilon =
        epsilon.isPresent()
            ? OptionalDouble.of(Condition.decimalOf(epsilon.getAsLong()))
            : OptionalDouble.empty();
    OptionalLong until = maxOf(permissions, OperandKind.DATE_TIME);
    this.validUntil =
        until.isPresent()
            ? Optional.of(
                Instant.ofEpochSecond(
                    Math.floorDiv(until.getAsLong(), Conditions.NANOS_PER_SECOND),
                    Math.floorMod(until.getAsLong(), Conditions.NANOS_PER_SECOND)))
            : Optional.empty();
    this.retention = retention(permissions);
  }

  /** The terms of a policy (loosest over its permissions). */
  public static PolicyTerms of(Policy policy) {
    return new PolicyTerms(policy.effective().permissions());
  }

  /** The terms of one permission. */
  public static PolicyTerms of(EffectiveRule permission) {
    return new PolicyTerms(List.of(permission));
  }

  /** The computation kinds allowed ({@code isA psi} lists the PSI family). */
  public Optional<Set<String>> computationKinds() {
    return computationKinds;
  }

  /** The columns a result may contain. */
  public Optional<Set<String>> outputColumns() {
    return outputColumns;
  }

  public Optional<Set<String>> purposes() {
    return purposes;
  }

  /**
   * The join keys a PSI may use, each as canonical {@link KeyColumns} text (e.g. {@code
   * national_id:upper,visit_date}); map one onto the provider's key columns with {@link
   * KeyColumns#parse}. Empty when some permission leaves the key open.
   */
  public Optional<Set<String>> keyColumns() {
    return keyColumns;
  }

  /** The most rows a caller may submit. */
  public OptionalLong maxInputRows() {
    return maxInputRows;
  }

  /** The smallest result group size k a computation must enforce. */
  public OptionalLong minResultGroupSize() {
    return minResultGroupSize;
  }

  /** The most uses ({@code count lteq n} gives n). */
  public OptionalLong maxUseCount() {
    return maxUseCount;
  }

  /** The fewest parties a computation must require. */
  public OptionalLong minParties() {
    return minParties;
  }

  /** The largest differential-privacy budget a computation may spend. */
  public OptionalDouble maxEpsilon() {
    return maxEpsilon;
  }

  /** The last instant at which a use is allowed. */
  public Optional<Instant> validUntil() {
    return validUntil;
  }

  /**
   * How long a result may be kept (ISO 8601), from the permissions' delete duties; empty when some
   * permission has none.
   */
  public Optional<String> retention() {
    return retention;
  }

  // ---- extraction ----

  private interface PerPermission {
    Set<String> values(EffectiveRule permission);
  }

  /** The union over permissions; empty as soon as one permission is unconstrained (null). */
  private static Optional<Set<String>> union(List<EffectiveRule> permissions, PerPermission f) {
    if (permissions.isEmpty()) {
      return Optional.empty();
    }
    Set<String> all = new TreeSet<>();
    for (EffectiveRule p : permissions) {
      Set<String> values = f.values(p);
      if (values == null) {
        return Optional.empty();
      }
      all.addAll(values);
    }
    return Optional.of(Set.copyOf(all));
  }

  private static void conditions(List<Clause> clauses, List<Condition> out) {
    for (Clause c : clauses) {
      if (c instanceof Clause.Test t) {
        out.add(t.condition());
      } else if (c instanceof Clause.Logic l
          && (l.operator() == LogicalOperator.AND
              || l.operator() == LogicalOperator.AND_SEQUENCE)) {
        conditions(l.operands(), out);
      }
    }
  }

  private static List<Condition> conditions(EffectiveRule rule) {
    List<Condition> out = new java.util.ArrayList<>();
    conditions(rule.constraints(), out);
    return out;
  }

  private static Set<String> choice(EffectiveRule p, OperandKind kind, List<String> universe) {
    Set<String> allowed = null;
    Set<String> refused = new HashSet<>();
    for (Condition c : conditions(p)) {
      if (c instanceof Condition.Choice ch && c.operand().kind() == kind) {
        if (ch.negated()) {
          refused.addAll(ch.accepted());
        } else if (allowed == null) {
          allowed = new HashSet<>(ch.accepted());
        } else {
          allowed.retainAll(ch.accepted());
        }
      }
    }
    if (allowed == null && !refused.isEmpty() && universe != null) {
      allowed = new HashSet<>(universe);
    }
    if (allowed != null) {
      allowed.removeAll(refused);
    }
    return allowed;
  }

  private static Set<String> columns(EffectiveRule p) {
    Set<String> allowed = null;
    for (Condition c : conditions(p)) {
      if (c instanceof Condition.SetTest s
          && c.operand().kind() == OperandKind.OUTPUT_COLUMNS
          && (s.relation() == Condition.Relation.WITHIN
              || s.relation() == Condition.Relation.EQUALS)) {
        if (allowed == null) {
          allowed = new HashSet<>(s.values());
        } else {
          allowed.retainAll(s.values());
        }
      }
    }
    return allowed;
  }

  private static long[] bounds(EffectiveRule p, OperandKind kind) {
    long lo = Long.MIN_VALUE;
    long hi = Long.MAX_VALUE;
    for (Condition c : conditions(p)) {
      if (c instanceof Condition.Range r && c.operand().kind() == kind && !r.negated()) {
        lo = Math.max(lo, r.lo());
        hi = Math.min(hi, r.hi());
      }
    }
    return new long[] {lo, hi};
  }

  private static OptionalLong maxOf(List<EffectiveRule> permissions, OperandKind kind) {
    if (permissions.isEmpty()) {
      return OptionalLong.empty();
    }
    long max = Long.MIN_VALUE;
    for (EffectiveRule p : permissions) {
      long hi = bounds(p, kind)[1];
      if (hi == Long.MAX_VALUE) {
        return OptionalLong.empty();
      }
      max = Math.max(max, hi);
    }
    return OptionalLong.of(max);
  }

  private static OptionalLong minOf(List<EffectiveRule> permissions, OperandKind kind) {
    if (permissions.isEmpty()) {
      return OptionalLong.empty();
    }
    long min = Long.MAX_VALUE;
    for (EffectiveRule p : permissions) {
      long lo = bounds(p, kind)[0];
      if (lo == Long.MIN_VALUE) {
        return OptionalLong.empty();
      }
      min = Math.min(min, lo);
    }
    return OptionalLong.of(min);
  }

  /** Per permission the strictest delete-duty retention; over permissions the loosest. */
  private static Optional<String> retention(List<EffectiveRule> permissions) {
    if (permissions.isEmpty()) {
      return Optional.empty();
    }
    long loosest = Long.MIN_VALUE;
    for (EffectiveRule p : permissions) {
      long strictest = Long.MAX_VALUE;
      for (EffectiveRule duty : p.duties()) {
        if (duty.action().equals("delete")) {
          strictest = Math.min(strictest, bounds(duty, OperandKind.RETENTION)[1]);
        }
      }
      if (strictest == Long.MAX_VALUE) {
        return Optional.empty();
      }
      loosest = Math.max(loosest, strictest);
    }
    return Optional.of(Conditions.formatDuration(0, loosest));
  }

  @Override
  public String toString() {
    return "PolicyTerms{computationKinds="
        + computationKinds
        + ", outputColumns="
        + outputColumns
        + ", purposes="
        + purposes
        + ", keyColumns="
        + keyColumns
        + ", maxInputRows="
        + maxInputRows
        + ", minResultGroupSize="
        + minResultGroupSize
        + ", maxUseCount="
        + maxUseCount
        + ", minParties="
        + minParties
        + ", maxEpsilon="
        + maxEpsilon
        + ", validUntil="
        + validUntil
        + ", retention="
        + retention
        + "}";
  }
}
