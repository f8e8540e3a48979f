package io.sluice.policy;

import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Request;
import io.sluice.testing.Property.Gen;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Generators over a small vocabulary, so that generated policies and requests overlap often: a
 * handful of purposes, roles, columns, join keys, numbers and instants.
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

  /**
   * Join keys in canonical form: a key, its subset, its superset, its reverse, another case rule,
   * and an unrelated key, so that "only the identical key" is tested against its near misses.
   */
  static final List<String> KEYS =
      List.of("id:upper,day", "day", "id:upper,day,group", "day,id:upper", "id,day", "ref");

  /** The same keys as a policy author might write them. */
  static final List<String> WRITTEN_KEYS =
      List.of(
          "id:UPPER, day:preserve",
          " day ",
          "id:Upper,day,group:PRESERVE",
          "day , id:upper",
          "id:preserve,day",
          "ref");

  /** Duty pointers the generated policies have, and some they do not. */
  static final List<String> DUTY_POINTERS =
      List.of(
          "/permission/0/duty/0",
          "/permission/1/duty/0",
          "/permission/0/duty/1",
          "/obligation/0",
          "/permission/0");

  private PolicyGenerators() {}

  static RightOperand stringSet(Gen g, List<String> pool) {
    return RightOperand.strings(new TreeSet<>(g.subset(pool, 1, 3)));
  }

  static AtomicConstraint stringConstraint(Gen g, String operand, List<String> pool) {
    if (g.bool()) {
      String op = g.pick("eq", "neq", "isA", "isPartOf");
      return AtomicConstraint.of(operand, op, RightOperand.string(g.pick(pool)));
    }
    return AtomicConstraint.of(
        operand, g.pick("isAnyOf", "isNoneOf", "isPartOf"), stringSet(g, pool));
  }

  static AtomicConstraint claimConstraint(Gen g) {
    String operand = "sluice:participant.role";
    if (g.bool()) {
      return AtomicConstraint.of(
          operand, g.pick("eq", "neq", "isA"), RightOperand.string(g.pick(ROLES)));
    }
    String op = g.pick("isAnyOf", "isAllOf", "isNoneOf", "isPartOf");
    return AtomicConstraint.of(operand, op, stringSet(g, ROLES));
  }

  static AtomicConstraint columnsConstraint(Gen g) {
    String op = g.pick("eq", "neq", "isAnyOf", "isAllOf", "isNoneOf", "isPartOf");
    return AtomicConstraint.of("sluice:outputColumns", op, stringSet(g, COLUMNS));
  }

  /** A key constraint, its keys written in canonical or in a looser spelling. */
  static AtomicConstraint keyConstraint(Gen g) {
    List<String> pool = g.bool() ? KEYS : WRITTEN_KEYS;
    if (g.bool()) {
      return AtomicConstraint.of(
          "sluice:keyColumns", g.pick("eq", "neq"), RightOperand.string(g.pick(pool)));
    }
    List<String> keys = new ArrayList<>(g.subset(pool, 1, 3));
    return AtomicConstraint.of(
        "sluice:keyColumns", g.pick("isAnyOf", "isNoneOf"), RightOperand.strings(keys));
  }

  static AtomicConstraint integerConstraint(Gen g, String operand, int max) {
    String op = g.pick("eq", "neq", "lt", "lteq", "gt", "gteq");
    return AtomicConstraint.of(operand, op, RightOperand.number(g.between(0, max)));
  }

  static AtomicConstraint epsilonConstraint(Gen g) {
    String op = g.pick("lt", "lteq", "gt", "gteq", "eq", "neq");
    return AtomicConstraint.of(
        "sluice:epsilon", op, RightOperand.number(g.pick("0.5", "1.0", "2", "0.25")));
  }

  static AtomicConstraint timeConstraint(Gen g) {
    return g.between(0, 2) < 2 ? dateTimeConstraint(g) : elapsedConstraint(g);
  }

  static AtomicConstraint dateTimeConstraint(Gen g) {
    if (g.bool()) {
      return AtomicConstraint.of(
          "dateTime",
          g.pick("lt", "lteq", "gt", "gteq"),
          RightOperand.typed(g.pick(INSTANTS), "xsd:dateTime"));
    }
    return AtomicConstraint.of(
        "dateTime",
        g.pick("lt", "lteq", "gt", "gteq", "eq", "neq"),
        RightOperand.typed(g.pick(DATES), "xsd:date"));
  }

  static AtomicConstraint elapsedConstraint(Gen g) {
    return AtomicConstraint.of(
        "elapsedTime",
        g.pick("lt", "lteq", "gt", "gteq"),
        RightOperand.typed(g.pick(DURATIONS), "xsd:duration"));
  }

  /** The left operands {@link #atomic} draws from (time stands for dateTime and elapsedTime). */
  static final List<String> OPERANDS =
      List.of(
          "purpose",
          "spatial",
          "sluice:computation",
          "sluice:participant.role",
          "sluice:outputColumns",
          "count",
          "sluice:inputRows",
          "sluice:minResultGroupSize",
          "sluice:minParties",
          "sluice:epsilon",
          "sluice:keyColumns",
          "time");

  public static AtomicConstraint atomic(Gen g) {
    return atomicOn(g, g.pick(OPERANDS));
  }

  /** A constraint on {@code operand} (one of {@link #OPERANDS}, dateTime or elapsedTime). */
  static AtomicConstraint atomicOn(Gen g, String operand) {
    return switch (operand) {
      case "purpose" -> stringConstraint(g, "purpose", PURPOSES);
      case "spatial" -> stringConstraint(g, "spatial", REGIONS);
      case "sluice:computation" ->
          stringConstraint(
              g, "sluice:computation", List.of("psi", "psi-label", "aggregate", "sql"));
      case "sluice:participant.role" -> claimConstraint(g);
      case "sluice:outputColumns" -> columnsConstraint(g);
      case "count" -> integerConstraint(g, "count", 5);
      case "sluice:inputRows", "sluice:minResultGroupSize" -> integerConstraint(g, operand, 10);
      case "sluice:minParties" -> integerConstraint(g, operand, 4);
      case "sluice:epsilon" -> epsilonConstraint(g);
      case "sluice:keyColumns" -> keyConstraint(g);
      case "dateTime" -> dateTimeConstraint(g);
      case "elapsedTime" -> elapsedConstraint(g);
      default -> timeConstraint(g);
    };
  }

  /** An atomic constraint (6 in 9), a logical one of atomics (2 in 9) or a nested one (1 in 9). */
  public static Constraint constraint(Gen g) {
    return switch (g.weighted(6, 2, 1)) {
      case 0 -> atomic(g);
      case 1 ->
          new LogicalConstraint(
              null, g.pick(LogicalOperator.values()), g.list(1, 3, PolicyGenerators::atomic));
      default -> {
        List<Constraint> operands =
            g.list(
                1,
                2,
                x ->
                    x.bool()
                        ? atomic(x)
                        : new LogicalConstraint(
                            null,
                            x.pick(LogicalOperator.values()),
                            x.list(1, 3, PolicyGenerators::atomic)));
        yield new LogicalConstraint(
            null, g.pick(LogicalOperator.AND, LogicalOperator.OR), new ArrayList<>(operands));
      }
    };
  }

  static Rule duty(Gen g) {
    return switch (g.between(0, 3)) {
      case 0 ->
          Rule.duty("delete")
              .withConstraints(
                  AtomicConstraint.of(
                      "sluice:retention",
                      "lteq",
                      RightOperand.typed(g.pick("P7D", "P30D", "PT12H"), "xsd:duration")));
      case 1 ->
          Rule.duty(Vocabulary.ADD_NOISE)
              .withConstraints(
                  AtomicConstraint.of(
                      "sluice:epsilon", "lteq", RightOperand.number(g.pick("0.5", "1.0"))));
      case 2 ->
          Rule.duty("inform")
              .withFunctions(
                  java.util.Map.of(
                      "informedParty", Party.of(g.pick("sluice://p1", "sluice://p2"))));
      default -> Rule.duty("inform");
    };
  }

  public static Rule permission(Gen g) {
    boolean targeted = g.pick(true, true, true, false);
    String assignee = g.pick("", "", "sluice://p1");
    return Rule.permission(g.pick(ACTIONS))
        .withTarget(targeted ? Asset.of(TARGET) : null)
        .withAssignee(assignee.isEmpty() ? null : Party.of(assignee))
        .withConstraints(g.list(0, 4, PolicyGenerators::constraint))
        .withDuties(g.list(0, 1, PolicyGenerators::duty));
  }

  public static Rule prohibition(Gen g) {
    return Rule.prohibition(g.pick(ACTIONS))
        .withConstraints(g.list(0, 2, PolicyGenerators::constraint));
  }

  public static Policy policy(Gen g) {
    return Policy.builder()
        .type(PolicyType.SET)
        .uid("urn:test:policy")
        .permissions(g.list(1, 2, PolicyGenerators::permission))
        .prohibitions(g.list(0, 1, PolicyGenerators::prohibition))
        .build();
  }

  /** The offer with extra constraints on each permission: always contained. */
  public static Policy narrowerThan(Gen g, Policy offer) {
    List<Rule> permissions = new ArrayList<>();
    for (Rule p : offer.permissions()) {
      List<Constraint> cs = new ArrayList<>(p.constraints());
      cs.addAll(g.list(1, 2, PolicyGenerators::constraint));
      permissions.add(p.withConstraints(cs));
    }
    return offer.toBuilder().permissions(permissions).build();
  }

  /**
   * The offer with one top-level constraint of one permission replaced by another constraint on the
   * same operand: contained or not depending on that one constraint, the case that tests the
   * implication check of each operand. The offer itself when it has no such constraint.
   */
  public static Policy sibling(Gen g, Policy offer) {
    List<Rule> permissions = new ArrayList<>(offer.permissions());
    int p = g.between(0, permissions.size() - 1);
    List<Constraint> cs = new ArrayList<>(permissions.get(p).constraints());
    List<Integer> atomics = new ArrayList<>();
    for (int i = 0; i < cs.size(); i++) {
      if (cs.get(i) instanceof AtomicConstraint) {
        atomics.add(i);
      }
    }
    if (atomics.isEmpty()) {
      return offer;
    }
    int i = g.pick(atomics);
    cs.set(i, atomicOn(g, ((AtomicConstraint) cs.get(i)).leftOperand()));
    permissions.set(p, permissions.get(p).withConstraints(cs));
    return offer.toBuilder().permissions(permissions).build();
  }

  static Computation computation(Gen g) {
    Computation c =
        Computation.of(g.pick("psi", "psi-label", "psi-cardinality", "aggregate", "sql"))
            .withOutputColumns(g.subset(COLUMNS, 0, 3));
    int rows = g.between(-1, 11);
    int k = g.between(-1, 11);
    int parties = g.between(-1, 5);
    double epsilon = g.pick(-1.0, 0.25, 0.5, 1.0, 2.0, 3.0);
    c = rows < 0 ? c : c.withInputRows(rows);
    c = k < 0 ? c : c.withMinGroupSize(k);
    c = parties < 0 ? c : c.withParties(parties);
    c = epsilon < 0 ? c : c.withEpsilon(epsilon);
    return g.chance(0.2) ? c : c.withKeyColumns(g.pick(g.bool() ? KEYS : WRITTEN_KEYS));
  }

  static final List<String> TIMES =
      List.of(
          "2025-12-31T23:59:59Z",
          "2026-01-01T00:00:00Z",
          "2026-05-31T21:59:59Z",
          "2026-05-31T22:00:00Z",
          "2026-06-01T10:00:00Z",
          "2026-06-01T12:00:00Z",
          "2026-06-01T23:59:59.999999999Z",
          "2026-06-02T00:00:00Z",
          "2027-01-01T00:00:00Z");

  /** A request that reports no violated duty (duty pointers belong to one policy document). */
  public static Request request(Gen g) {
    return builder(g).build();
  }

  /** A request that reports violated duties now and then, some of them no duty at all. */
  public static Request requestWithDutyStates(Gen g) {
    Request.Builder b = builder(g);
    if (g.chance(0.3)) {
      for (String pointer : g.subset(DUTY_POINTERS, 1, 2)) {
        b.violatedDuty(pointer, "not fulfilled in try " + g.seed());
      }
    }
    return b.build();
  }

  private static Request.Builder builder(Gen g) {
    String purpose = g.nullable(0.2, x -> x.pick("research", "marketing", "claims-settlement", ""));
    Request.Builder b =
        Request.builder()
            .action(g.pick(ACTIONS))
            .target(g.pick(TARGET, TARGET, "urn:test:other"))
            .claim("role", g.subset(ROLES, 0, 2))
            .purpose(purpose == null || purpose.isEmpty() ? null : purpose)
            .region(g.nullable(0.2, x -> x.pick("DE", "FR", "US")))
            .clock(Clock.fixed(Instant.parse(g.pick(TIMES)), ZoneOffset.UTC))
            .useCount(g.between(0L, 7L))
            .computation(g.nullable(0.15, PolicyGenerators::computation));
    int hours = g.pick(-1, 0, 6, 12, 24, 48, 800);
    return hours < 0 ? b : b.elapsed(Duration.ofHours(hours));
  }
}
