package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per operand and operator edge case: a permission with one constraint, a request, and
 * whether it is permitted.
 */
class OperandOperatorTableTest {
  static final boolean PERMIT = true;
  static final boolean DENY = false;

  static Arguments row(
      String name, String constraint, UnaryOperator<Request.Builder> request, boolean expected) {
    return Arguments.of(name, constraint, request, expected);
  }

  static Clock at(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }

  static Computation comp(String kind) {
    return Computation.of(kind);
  }

  static String c(String left, String op, String right) {
    return "{\"leftOperand\":\""
        + left
        + "\",\"operator\":\""
        + op
        + "\",\"rightOperand\":"
        + right
        + "}";
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // count: the value is uses so far + 1
        row(
            "count lteq 30 allows the 30th use",
            c("count", "lteq", "30"),
            r -> r.useCount(29),
            PERMIT),
        row(
            "count lteq 30 refuses the 31st use",
            c("count", "lteq", "30"),
            r -> r.useCount(30),
            DENY),
        row("count lt 30 refuses the 30th use", c("count", "lt", "30"), r -> r.useCount(29), DENY),
        row("count eq 1 allows the first use", c("count", "eq", "1"), r -> r.useCount(0), PERMIT),
        row("count neq 1 refuses the first use", c("count", "neq", "1"), r -> r.useCount(0), DENY),
        row("count gt 0 allows the first use", c("count", "gt", "0"), r -> r, PERMIT),
        // dateTime: instants with time zones
        row(
            "dateTime lteq end allows the last second",
            c(
                "dateTime",
                "lteq",
                "{\"@value\":\"2027-12-31T23:59:59Z\",\"@type\":\"xsd:dateTime\"}"),
            r -> r.clock(at("2027-12-31T23:59:59Z")),
            PERMIT),
        row(
            "dateTime lteq end refuses one nanosecond later",
            c(
                "dateTime",
                "lteq",
                "{\"@value\":\"2027-12-31T23:59:59Z\",\"@type\":\"xsd:dateTime\"}"),
            r -> r.clock(at("2027-12-31T23:59:59.000000001Z")),
            DENY),
        row(
            "dateTime lt is strict",
            c("dateTime", "lt", "\"2027-12-31T23:59:59Z\""),
            r -> r.clock(at("2027-12-31T23:59:59Z")),
            DENY),
        row(
            "dateTime compares instants across time zones (same instant)",
            c("dateTime", "lteq", "\"2028-01-01T00:59:59+01:00\""),
            r -> r.clock(at("2027-12-31T23:59:59Z")),
            PERMIT),
        row(
            "dateTime compares instants across time zones (one second after)",
            c("dateTime", "lteq", "\"2028-01-01T00:59:59+01:00\""),
            r -> r.clock(at("2028-01-01T00:00:00Z")),
            DENY),
        row(
            "dateTime gteq start allows the start",
            c("dateTime", "gteq", "\"2026-01-01T00:00:00-05:00\""),
            r -> r.clock(at("2026-01-01T05:00:00Z")),
            PERMIT),
        row(
            "dateTime gteq start refuses just before",
            c("dateTime", "gteq", "\"2026-01-01T00:00:00-05:00\""),
            r -> r.clock(at("2026-01-01T04:59:59Z")),
            DENY),
        // xsd:date: a whole day (UTC unless it carries an offset)
        row(
            "dateTime lteq a date allows the whole day",
            c("dateTime", "lteq", "{\"@value\":\"2017-12-31\",\"@type\":\"xsd:date\"}"),
            r -> r.clock(at("2017-12-31T23:59:59Z")),
            PERMIT),
        row(
            "dateTime lteq a date refuses the next day",
            c("dateTime", "lteq", "{\"@value\":\"2017-12-31\",\"@type\":\"xsd:date\"}"),
            r -> r.clock(at("2018-01-01T00:00:00Z")),
            DENY),
        row(
            "dateTime lt a date refuses the day itself",
            c("dateTime", "lt", "{\"@value\":\"2017-12-31\",\"@type\":\"xsd:date\"}"),
            r -> r.clock(at("2017-12-31T00:00:00Z")),
            DENY),
        row(
            "a date with an offset ends at its own midnight",
            c("dateTime", "lteq", "{\"@value\":\"2017-12-31+02:00\",\"@type\":\"xsd:date\"}"),
            r -> r.clock(at("2017-12-31T22:00:00Z")),
            DENY),
        row(
            "dateTime eq a date holds all day",
            c("dateTime", "eq", "{\"@value\":\"2017-12-31\",\"@type\":\"xsd:date\"}"),
            r -> r.clock(at("2017-12-31T12:00:00Z")),
            PERMIT),
        // elapsedTime: ISO 8601 durations
        row(
            "elapsedTime lteq P30D allows exactly 30 days",
            c("elapsedTime", "lteq", "{\"@value\":\"P30D\",\"@type\":\"xsd:duration\"}"),
            r ->
                r.clock(at("2026-01-31T00:00:00Z"))
                    .agreementStart(Instant.parse("2026-01-01T00:00:00Z")),
            PERMIT),
        row(
            "elapsedTime lteq P30D refuses 30 days and a nanosecond",
            c("elapsedTime", "lteq", "\"P30D\""),
            r ->
                r.clock(at("2026-01-31T00:00:00.000000001Z"))
                    .agreementStart(Instant.parse("2026-01-01T00:00:00Z")),
            DENY),
        row(
            "elapsedTime PT720H is 30 days",
            c("elapsedTime", "lteq", "\"PT720H\""),
            r -> r.elapsed(Duration.ofDays(30)),
            PERMIT),
        row(
            "elapsedTime P1M from 31 January ends on 28 February",
            c("elapsedTime", "lteq", "\"P1M\""),
            r ->
                r.clock(at("2026-03-01T00:00:00Z"))
                    .agreementStart(Instant.parse("2026-01-31T00:00:00Z")),
            DENY),
        row(
            "elapsedTime P1M from 31 January allows 28 February",
            c("elapsedTime", "lteq", "\"P1M\""),
            r ->
                r.clock(at("2026-02-28T00:00:00Z"))
                    .agreementStart(Instant.parse("2026-01-31T00:00:00Z")),
            PERMIT),
        row(
            "elapsedTime without agreement start is unknown",
            c("elapsedTime", "lteq", "\"P1D\""),
            r -> r,
            DENY),
        // purpose
        row("purpose eq", c("purpose", "eq", "\"research\""), r -> r.purpose("research"), PERMIT),
        row(
            "purpose eq other",
            c("purpose", "eq", "\"research\""),
            r -> r.purpose("marketing"),
            DENY),
        row("purpose missing", c("purpose", "eq", "\"research\""), r -> r, DENY),
        row("purpose neq missing is unknown", c("purpose", "neq", "\"marketing\""), r -> r, DENY),
        row(
            "purpose isAnyOf",
            c("purpose", "isAnyOf", "[\"a\",\"research\"]"),
            r -> r.purpose("research"),
            PERMIT),
        row(
            "purpose isNoneOf",
            c("purpose", "isNoneOf", "[\"a\",\"research\"]"),
            r -> r.purpose("research"),
            DENY),
        // spatial
        row(
            "spatial isPartOf EU with DE",
            c("spatial", "isPartOf", "\"EU\""),
            r -> r.region("DE"),
            PERMIT),
        row(
            "spatial isPartOf EU with US",
            c("spatial", "isPartOf", "\"EU\""),
            r -> r.region("US"),
            DENY),
        row(
            "spatial isPartOf EEA with NO",
            c("spatial", "isPartOf", "\"EEA\""),
            r -> r.region("NO"),
            PERMIT),
        row(
            "spatial isPartOf EU with NO",
            c("spatial", "isPartOf", "\"EU\""),
            r -> r.region("NO"),
            DENY),
        row("spatial eq EU is not DE", c("spatial", "eq", "\"EU\""), r -> r.region("DE"), DENY),
        row(
            "spatial isPartOf a list",
            c("spatial", "isPartOf", "[\"US\",\"EU\"]"),
            r -> r.region("FR"),
            PERMIT),
        // computation
        row(
            "computation eq",
            c("sluice:computation", "eq", "\"psi-label\""),
            r -> r.computation(comp("psi-label")),
            PERMIT),
        row(
            "computation eq psi is only psi",
            c("sluice:computation", "eq", "\"psi\""),
            r -> r.computation(comp("psi-label")),
            DENY),
        row(
            "computation isA psi takes the family",
            c("sluice:computation", "isA", "\"psi\""),
            r -> r.computation(comp("psi-cardinality")),
            PERMIT),
        row(
            "computation isA psi is not sql",
            c("sluice:computation", "isA", "\"psi\""),
            r -> r.computation(comp("sql")),
            DENY),
        row("computation missing", c("sluice:computation", "eq", "\"sql\""), r -> r, DENY),
        // claims (sets)
        row(
            "role eq: one of the roles",
            c("sluice:participant.role", "eq", "\"hospital\""),
            r -> r.claim("role", "auditor", "hospital"),
            PERMIT),
        row(
            "role eq: no role at all",
            c("sluice:participant.role", "eq", "\"hospital\""),
            r -> r,
            DENY),
        row(
            "role neq: no role at all",
            c("sluice:participant.role", "neq", "\"competitor\""),
            r -> r,
            PERMIT),
        row(
            "role neq: has it",
            c("sluice:participant.role", "neq", "\"competitor\""),
            r -> r.claim("role", "competitor", "x"),
            DENY),
        row(
            "role isAllOf needs all",
            c("sluice:participant.role", "isAllOf", "[\"a\",\"b\"]"),
            r -> r.claim("role", "a"),
            DENY),
        row(
            "role isAllOf has all",
            c("sluice:participant.role", "isAllOf", "[\"a\",\"b\"]"),
            r -> r.claim("role", "a", "b", "c"),
            PERMIT),
        row(
            "role isAnyOf",
            c("sluice:participant.role", "isAnyOf", "[\"a\",\"b\"]"),
            r -> r.claim("role", "c", "b"),
            PERMIT),
        row(
            "role isAnyOf with no role",
            c("sluice:participant.role", "isAnyOf", "[\"a\",\"b\"]"),
            r -> r,
            DENY),
        row(
            "role isNoneOf with no role",
            c("sluice:participant.role", "isNoneOf", "[\"a\",\"b\"]"),
            r -> r,
            PERMIT),
        row(
            "role isPartOf: all roles within",
            c("sluice:participant.role", "isPartOf", "[\"a\",\"b\"]"),
            r -> r.claim("role", "a"),
            PERMIT),
        row(
            "role isPartOf: one role outside",
            c("sluice:participant.role", "isPartOf", "[\"a\",\"b\"]"),
            r -> r.claim("role", "a", "c"),
            DENY),
        row(
            "role isPartOf: no role is not part of anything",
            c("sluice:participant.role", "isPartOf", "[\"a\",\"b\"]"),
            r -> r,
            DENY),
        row(
            "any certificate attribute is a claim",
            c("sluice:participant.org", "eq", "\"Fund Nord\""),
            r -> r.claim("org", "Fund Nord"),
            PERMIT),
        // output columns (sets; empty means none released)
        row(
            "columns isPartOf: subset",
            c("sluice:outputColumns", "isPartOf", "[\"a\",\"b\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a")),
            PERMIT),
        row(
            "columns isPartOf: none released",
            c("sluice:outputColumns", "isPartOf", "[\"a\",\"b\"]"),
            r -> r.computation(comp("psi-cardinality")),
            PERMIT),
        row(
            "columns isPartOf: one outside",
            c("sluice:outputColumns", "isPartOf", "[\"a\",\"b\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a", "c")),
            DENY),
        row(
            "columns eq: exactly",
            c("sluice:outputColumns", "eq", "[\"a\",\"b\"]"),
            r -> r.computation(comp("sql").withOutputColumns("b", "a")),
            PERMIT),
        row(
            "columns eq: fewer",
            c("sluice:outputColumns", "eq", "[\"a\",\"b\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a")),
            DENY),
        row(
            "columns neq: fewer",
            c("sluice:outputColumns", "neq", "[\"a\",\"b\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a")),
            PERMIT),
        row(
            "columns isAllOf",
            c("sluice:outputColumns", "isAllOf", "[\"a\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a", "b")),
            PERMIT),
        row(
            "columns isAnyOf: none released",
            c("sluice:outputColumns", "isAnyOf", "[\"a\"]"),
            r -> r.computation(comp("psi")),
            DENY),
        row(
            "columns isNoneOf",
            c("sluice:outputColumns", "isNoneOf", "[\"ssn\"]"),
            r -> r.computation(comp("sql").withOutputColumns("a")),
            PERMIT),
        row(
            "columns without computation is unknown",
            c("sluice:outputColumns", "isNoneOf", "[\"ssn\"]"),
            r -> r,
            DENY),
        // key columns: only the identical key (columns, order, case rules)
        row(
            "keyColumns eq the same key",
            c("sluice:keyColumns", "eq", "\"national_id:upper,visit_date\""),
            r -> r.computation(comp("psi").withKeyColumns("national_id:upper,visit_date")),
            PERMIT),
        row(
            "keyColumns eq the same key written differently",
            c("sluice:keyColumns", "eq", "\"national_id:UPPER, visit_date:preserve\""),
            r -> r.computation(comp("psi").withKeyColumns(" national_id : Upper ,visit_date")),
            PERMIT),
        row(
            "keyColumns eq refuses a subset",
            c("sluice:keyColumns", "eq", "\"national_id:upper,visit_date\""),
            r -> r.computation(comp("psi").withKeyColumns("visit_date")),
            DENY),
        row(
            "keyColumns eq refuses a superset",
            c("sluice:keyColumns", "eq", "\"national_id:upper,visit_date\""),
            r ->
                r.computation(
                    comp("psi").withKeyColumns("national_id:upper,visit_date,diagnosis_group")),
            DENY),
        row(
            "keyColumns eq refuses another order",
            c("sluice:keyColumns", "eq", "\"national_id:upper,visit_date\""),
            r -> r.computation(comp("psi").withKeyColumns("visit_date,national_id:upper")),
            DENY),
        row(
            "keyColumns eq refuses another case rule",
            c("sluice:keyColumns", "eq", "\"national_id:upper,visit_date\""),
            r -> r.computation(comp("psi").withKeyColumns("national_id,visit_date")),
            DENY),
        row(
            "keyColumns isAnyOf takes an alternative",
            c("sluice:keyColumns", "isAnyOf", "[\"national_id:upper,visit_date\",\"claim_ref\"]"),
            r -> r.computation(comp("psi").withKeyColumns("claim_ref")),
            PERMIT),
        row(
            "keyColumns isNoneOf",
            c("sluice:keyColumns", "isNoneOf", "[\"visit_date\"]"),
            r -> r.computation(comp("psi").withKeyColumns("visit_date:preserve")),
            DENY),
        row(
            "keyColumns neq another key",
            c("sluice:keyColumns", "neq", "\"visit_date\""),
            r -> r.computation(comp("psi").withKeyColumns("claim_ref")),
            PERMIT),
        row(
            "keyColumns not declared",
            c("sluice:keyColumns", "neq", "\"visit_date\""),
            r -> r.computation(comp("psi")),
            DENY),
        row(
            "keyColumns without computation is unknown",
            c("sluice:keyColumns", "eq", "\"claim_ref\""),
            r -> r,
            DENY),
        // computation numbers
        row(
            "inputRows lteq boundary",
            c("sluice:inputRows", "lteq", "1000000"),
            r -> r.computation(comp("psi").withInputRows(1_000_000)),
            PERMIT),
        row(
            "inputRows lteq boundary + 1",
            c("sluice:inputRows", "lteq", "1000000"),
            r -> r.computation(comp("psi").withInputRows(1_000_001)),
            DENY),
        row(
            "inputRows not declared",
            c("sluice:inputRows", "lteq", "1000000"),
            r -> r.computation(comp("psi")),
            DENY),
        row(
            "k gteq 5 with 5",
            c("sluice:minResultGroupSize", "gteq", "5"),
            r -> r.computation(comp("aggregate").withMinGroupSize(5)),
            PERMIT),
        row(
            "k gteq 5 with 4",
            c("sluice:minResultGroupSize", "gteq", "5"),
            r -> r.computation(comp("aggregate").withMinGroupSize(4)),
            DENY),
        row(
            "k as a typed string",
            c("sluice:minResultGroupSize", "gt", "{\"@value\":\"4\",\"@type\":\"xsd:integer\"}"),
            r -> r.computation(comp("aggregate").withMinGroupSize(5)),
            PERMIT),
        row(
            "minParties gteq 3 with 3",
            c("sluice:minParties", "gteq", "3"),
            r -> r.computation(comp("aggregate").withParties(3)),
            PERMIT),
        row(
            "minParties gteq 3 with 2",
            c("sluice:minParties", "gteq", "3"),
            r -> r.computation(comp("aggregate").withParties(2)),
            DENY),
        row(
            "epsilon lteq 1.0 with 1.0",
            c("sluice:epsilon", "lteq", "1.0"),
            r -> r.computation(comp("aggregate").withEpsilon(1.0)),
            PERMIT),
        row(
            "epsilon lteq 1.0 with the next double",
            c("sluice:epsilon", "lteq", "1.0"),
            r -> r.computation(comp("aggregate").withEpsilon(Math.nextUp(1.0))),
            DENY),
        row(
            "epsilon lt 0.1 with 0.1",
            c("sluice:epsilon", "lt", "0.1"),
            r -> r.computation(comp("aggregate").withEpsilon(0.1)),
            DENY),
        row(
            "epsilon lteq 0.1 with 0.1",
            c("sluice:epsilon", "lteq", "0.1"),
            r -> r.computation(comp("aggregate").withEpsilon(0.1)),
            PERMIT),
        row(
            "epsilon without noise is unknown",
            c("sluice:epsilon", "lteq", "1"),
            r -> r.computation(comp("aggregate")),
            DENY),
        // nested logical constraints
        row(
            "or of and",
            "{\"or\":[{\"and\":["
                + c("purpose", "eq", "\"a\"")
                + ","
                + c("count", "lteq", "1")
                + "]},"
                + c("purpose", "eq", "\"b\"")
                + "]}",
            r -> r.purpose("a").useCount(0),
            PERMIT),
        row(
            "or of and, the and fails",
            "{\"or\":[{\"and\":["
                + c("purpose", "eq", "\"a\"")
                + ","
                + c("count", "lteq", "1")
                + "]},"
                + c("purpose", "eq", "\"b\"")
                + "]}",
            r -> r.purpose("a").useCount(1),
            DENY),
        row(
            "xone with exactly one",
            "{\"xone\":["
                + c("purpose", "eq", "\"a\"")
                + ","
                + c("sluice:participant.role", "eq", "\"x\"")
                + "]}",
            r -> r.purpose("a"),
            PERMIT),
        row(
            "xone with both",
            "{\"xone\":["
                + c("purpose", "eq", "\"a\"")
                + ","
                + c("sluice:participant.role", "eq", "\"x\"")
                + "]}",
            r -> r.purpose("a").claim("role", "x"),
            DENY),
        row(
            "xone with one unknown is not certain",
            "{\"xone\":["
                + c("purpose", "eq", "\"a\"")
                + ","
                + c("sluice:participant.role", "eq", "\"x\"")
                + "]}",
            r -> r.claim("role", "x"),
            DENY),
        row(
            "or with an unknown and a true",
            "{\"or\":[" + c("purpose", "eq", "\"a\"") + "," + c("count", "lteq", "5") + "]}",
            r -> r,
            PERMIT),
        row(
            "andSequence is and",
            "{\"andSequence\":{\"@list\":["
                + c("count", "lteq", "5")
                + ","
                + c("purpose", "eq", "\"a\"")
                + "]}}",
            r -> r.purpose("a"),
            PERMIT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void evaluatesTheConstraint(
      String name, String constraint, UnaryOperator<Request.Builder> request, boolean permitted) {
    Policy policy =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + constraint
                + "]}]}");
    Request r = request.apply(Request.builder().clock(at("2026-06-01T12:00:00Z"))).build();
    Decision decision = CompiledPolicy.compile(policy).evaluate(r);
    assertThat(decision.permitted()).as(decision.toString()).isEqualTo(permitted);
    assertThat(ReferenceEvaluator.permits(policy, r)).isEqualTo(permitted);
  }
}
