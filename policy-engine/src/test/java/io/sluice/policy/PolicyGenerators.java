package io.sluice.policy;

import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Request;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik generators over a small vocabulary, so that generated policies and requests overlap often:
 * a handful of purposes, roles, columns, numbers and instants.
 */
public final class PolicyGenerators {
  public static final String TARGET = "urn:test:dataset";
  static final List<String> PURPOSES = List.of("research", "marketing", "claims-settlement");
  static final List<String> ROLES = List.of("hospital", "insurer", "oem", "supplier");
  static final List<String> COLUMNS = List.of("x", "y", "z", "w");
  static final List<String> REGIONS = List.of("DE", "FR", "US", "EU");
  static final List<String> INSTANTS =
      List.of("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-06-01T12:00:00+02:00");
  static final List<String> DATES = List.of("2026-06-01", "2026-06-01+02:00");
  static final List<String> DURATIONS = List.of("P1D", "PT12H", "P2D", "P1M");
  static final List<String> ACTIONS = List.of("use", "read", "sluice:compute");

  private PolicyGenerators() {}

  static Arbitrary<String> op(String... operators) {
    return Arbitraries.of(operators);
  }

  static Arbitrary<RightOperand> stringSet(List<String> pool) {
    return Arbitraries.of(pool)
        .set()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(s -> RightOperand.strings(new java.util.TreeSet<>(s)));
  }

  static Arbitrary<AtomicConstraint> stringConstraint(String operand, List<String> pool) {
    Arbitrary<AtomicConstraint> single =
        Combinators.combine(op("eq", "neq", "isA", "isPartOf"), Arbitraries.of(pool))
            .as((o, v) -> AtomicConstraint.of(operand, o, RightOperand.string(v)));
    Arbitrary<AtomicConstraint> set =
        Combinators.combine(op("isAnyOf", "isNoneOf", "isPartOf"), stringSet(pool))
            .as((o, v) -> AtomicConstraint.of(operand, o, v));
    return Arbitraries.oneOf(single, set);
  }

  static Arbitrary<AtomicConstraint> claimConstraint() {
    String operand = "sluice:participant.role";
    Arbitrary<AtomicConstraint> single =
        Combinators.combine(op("eq", "neq", "isA"), Arbitraries.of(ROLES))
            .as((o, v) -> AtomicConstraint.of(operand, o, RightOperand.string(v)));
    Arbitrary<AtomicConstraint> set =
        Combinators.combine(op("isAnyOf", "isAllOf", "isNoneOf", "isPartOf"), stringSet(ROLES))
            .as((o, v) -> AtomicConstraint.of(operand, o, v));
    return Arbitraries.oneOf(single, set);
  }

  static Arbitrary<AtomicConstraint> columnsConstraint() {
    return Combinators.combine(
            op("eq", "neq", "isAnyOf", "isAllOf", "isNoneOf", "isPartOf"), stringSet(COLUMNS))
        .as((o, v) -> AtomicConstraint.of("sluice:outputColumns", o, v));
  }

  static Arbitrary<AtomicConstraint> integerConstraint(String operand, int max) {
    return Combinators.combine(
            op("eq", "neq", "lt", "lteq", "gt", "gteq"), Arbitraries.integers().between(0, max))
        .as((o, v) -> AtomicConstraint.of(operand, o, RightOperand.number(v)));
  }

  static Arbitrary<AtomicConstraint> epsilonConstraint() {
    return Combinators.combine(
            op("lt", "lteq", "gt", "gteq", "eq", "neq"), Arbitraries.of("0.5", "1.0", "2", "0.25"))
        .as((o, v) -> AtomicConstraint.of("sluice:epsilon", o, RightOperand.number(v)));
  }

  static Arbitrary<AtomicConstraint> timeConstraint() {
    Arbitrary<AtomicConstraint> instants =
        Combinators.combine(op("lt", "lteq", "gt", "gteq"), Arbitraries.of(INSTANTS))
            .as(
                (o, v) ->
                    AtomicConstraint.of("dateTime", o, RightOperand.typed(v, "xsd:dateTime")));
    Arbitrary<AtomicConstraint> dates =
        Combinators.combine(op("lt", "lteq", "gt", "gteq", "eq", "neq"), Arbitraries.of(DATES))
            .as((o, v) -> AtomicConstraint.of("dateTime", o, RightOperand.typed(v, "xsd:date")));
    Arbitrary<AtomicConstraint> elapsed =
        Combinators.combine(op("lt", "lteq", "gt", "gteq"), Arbitraries.of(DURATIONS))
            .as(
                (o, v) ->
                    AtomicConstraint.of("elapsedTime", o, RightOperand.typed(v, "xsd:duration")));
    return Arbitraries.oneOf(instants, dates, elapsed);
  }

  public static Arbitrary<AtomicConstraint> atomic() {
    return Arbitraries.oneOf(
        stringConstraint("purpose", PURPOSES),
        stringConstraint("spatial", REGIONS),
        stringConstraint("sluice:computation", List.of("psi", "psi-label", "aggregate", "sql")),
        claimConstraint(),
        columnsConstraint(),
        integerConstraint("count", 5),
        integerConstraint("sluice:inputRows", 10),
        integerConstraint("sluice:minResultGroupSize", 10),
        integerConstraint("sluice:minParties", 4),
        epsilonConstraint(),
        timeConstraint());
  }

  public static Arbitrary<Constraint> constraint() {
    Arbitrary<Constraint> atomic = atomic().map(c -> c);
    Arbitrary<Constraint> logical =
        Combinators.combine(
                Arbitraries.of(LogicalOperator.values()), atomic().list().ofMinSize(1).ofMaxSize(3))
            .as((op, cs) -> new LogicalConstraint(null, op, new ArrayList<>(cs)));
    Arbitrary<Constraint> nested =
        Combinators.combine(
                Arbitraries.of(LogicalOperator.AND, LogicalOperator.OR),
                Arbitraries.oneOf(atomic, logical).list().ofMinSize(1).ofMaxSize(2))
            .as((op, cs) -> new LogicalConstraint(null, op, new ArrayList<>(cs)));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, atomic),
        net.jqwik.api.Tuple.of(2, logical),
        net.jqwik.api.Tuple.of(1, nested));
  }

  static Arbitrary<Rule> duty() {
    Arbitrary<Rule> delete =
        Arbitraries.of("P7D", "P30D", "PT12H")
            .map(
                d ->
                    Rule.duty("delete")
                        .withConstraints(
                            AtomicConstraint.of(
                                "sluice:retention",
                                "lteq",
                                RightOperand.typed(d, "xsd:duration"))));
    Arbitrary<Rule> noise =
        Arbitraries.of("0.5", "1.0")
            .map(
                e ->
                    Rule.duty(Vocabulary.ADD_NOISE)
                        .withConstraints(
                            AtomicConstraint.of("sluice:epsilon", "lteq", RightOperand.number(e))));
    return Arbitraries.oneOf(delete, noise, Arbitraries.just(Rule.duty("inform")));
  }

  public static Arbitrary<Rule> permission() {
    return Combinators.combine(
            Arbitraries.of(ACTIONS),
            constraint().list().ofMaxSize(4),
            duty().list().ofMaxSize(1),
            Arbitraries.of(true, true, true, false),
            Arbitraries.of("", "", "sluice://p1"))
        .as(
            (action, cs, duties, targeted, assignee) ->
                Rule.permission(action)
                    .withTarget(targeted ? Asset.of(TARGET) : null)
                    .withAssignee(assignee.isEmpty() ? null : Party.of(assignee))
                    .withConstraints(cs)
                    .withDuties(duties));
  }

  public static Arbitrary<Rule> prohibition() {
    return Combinators.combine(Arbitraries.of(ACTIONS), constraint().list().ofMaxSize(2))
        .as((action, cs) -> Rule.prohibition(action).withConstraints(cs));
  }

  public static Arbitrary<Policy> policy() {
    return Combinators.combine(
            permission().list().ofMinSize(1).ofMaxSize(2), prohibition().list().ofMaxSize(1))
        .as(
            (permissions, prohibitions) ->
                Policy.builder()
                    .type(PolicyType.SET)
                    .uid("urn:test:policy")
                    .permissions(permissions)
                    .prohibitions(prohibitions)
                    .build());
  }

  /** The offer with extra constraints on each permission: always contained. */
  public static Arbitrary<Policy> narrowerThan(Policy offer) {
    return constraint()
        .list()
        .ofMinSize(1)
        .ofMaxSize(2)
        .list()
        .ofSize(offer.permissions().size())
        .map(
            extras -> {
              List<Rule> permissions = new ArrayList<>();
              for (int i = 0; i < extras.size(); i++) {
                Rule p = offer.permissions().get(i);
                List<Constraint> cs = new ArrayList<>(p.constraints());
                cs.addAll(extras.get(i));
                permissions.add(p.withConstraints(cs));
              }
              return offer.toBuilder().permissions(permissions).build();
            });
  }

  public static Arbitrary<Request> request() {
    Arbitrary<Computation> computation =
        Combinators.combine(
                Arbitraries.of("psi", "psi-label", "psi-cardinality", "aggregate", "sql"),
                Arbitraries.of(COLUMNS).set().ofMaxSize(3),
                Arbitraries.integers().between(-1, 11),
                Arbitraries.integers().between(-1, 11),
                Arbitraries.integers().between(-1, 5),
                Arbitraries.of(-1.0, 0.25, 0.5, 1.0, 2.0, 3.0))
            .as(
                (kind, columns, rows, k, parties, epsilon) -> {
                  Computation c = Computation.of(kind).withOutputColumns(columns);
                  c = rows < 0 ? c : c.withInputRows(rows);
                  c = k < 0 ? c : c.withMinGroupSize(k);
                  c = parties < 0 ? c : c.withParties(parties);
                  return epsilon < 0 ? c : c.withEpsilon(epsilon);
                });
    Arbitrary<Instant> times =
        Arbitraries.of(
                "2025-12-31T23:59:59Z",
                "2026-01-01T00:00:00Z",
                "2026-05-31T21:59:59Z",
                "2026-05-31T22:00:00Z",
                "2026-06-01T10:00:00Z",
                "2026-06-01T12:00:00Z",
                "2026-06-01T23:59:59.999999999Z",
                "2026-06-02T00:00:00Z",
                "2027-01-01T00:00:00Z")
            .map(Instant::parse);
    Arbitrary<Request.Builder> base =
        Combinators.combine(
                Arbitraries.of(ACTIONS),
                Arbitraries.of(TARGET, TARGET, "urn:test:other"),
                Arbitraries.of(ROLES).set().ofMaxSize(2),
                Arbitraries.of("research", "marketing", "claims-settlement", "").injectNull(0.2),
                Arbitraries.of("DE", "FR", "US").injectNull(0.2),
                times,
                Arbitraries.longs().between(0, 7),
                computation.injectNull(0.15))
            .as(
                (action, target, roles, purpose, region, time, uses, comp) ->
                    Request.builder()
                        .action(action)
                        .target(target)
                        .claim("role", roles)
                        .purpose(purpose == null || purpose.isEmpty() ? null : purpose)
                        .region(region)
                        .clock(Clock.fixed(time, ZoneOffset.UTC))
                        .useCount(uses)
                        .computation(comp));
    return Combinators.combine(base, Arbitraries.of(-1, 0, 6, 12, 24, 48, 800).map(h -> h))
        .as((b, hours) -> hours < 0 ? b.build() : b.elapsed(Duration.ofHours(hours)).build());
  }

  static Set<String> roles(String... roles) {
    return Set.of(roles);
  }
}
