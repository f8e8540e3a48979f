package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyValidationTest {

  static List<PolicyProblem> problems(String json) {
    return PolicyCodec.validate(json);
  }

  static String set(String permission) {
    return "{\"@type\":\"Set\",\"permission\":[" + permission + "]}";
  }

  static String constraint(String left, String op, String right) {
    return set(
        "{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\""
            + left
            + "\",\"operator\":\""
            + op
            + "\",\"rightOperand\":"
            + right
            + "}]}");
  }

  @Test
  void reportsEveryProblemWithItsPointerNotJustTheFirst() {
    String json =
        "{\"@type\":\"Offer\",\"uid\":\"urn:o\",\"assigner\":\"urn:p\",\"permission\":[{\"action\":\"use\","
            + "\"constraint\":["
            + "{\"leftOperand\":\"colour\",\"operator\":\"eq\",\"rightOperand\":\"red\"},"
            + "{\"leftOperand\":\"purpose\",\"operator\":\"lteq\",\"rightOperand\":\"x\"},"
            + "{\"leftOperand\":\"elapsedTime\",\"operator\":\"lteq\",\"rightOperand\":\"30 days\"},"
            + "{\"or\":[]},"
            + "{\"leftOperand\":\"dateTime\",\"operator\":\"lt\",\"rightOperand\":\"2027-01-01T00:00:00\"}"
            + "]},{\"action\":\"fly\",\"constriant\":[]}]}";

    assertThat(problems(json))
        .extracting(PolicyProblem::pointer)
        .containsExactly(
            "/permission/1/constriant",
            "/permission/0/constraint/0/leftOperand",
            "/permission/0/constraint/1/operator",
            "/permission/0/constraint/2/rightOperand",
            "/permission/0/constraint/3/or",
            "/permission/0/constraint/4/rightOperand",
            "/permission/1/action");
    assertThat(problems(json).get(1).message()).contains("unknown left operand 'colour'");
    assertThat(problems(json).get(2).message())
        .contains("operator lteq is not valid for purpose (a string)");
    assertThat(problems(json).get(3).message()).contains("malformed duration '30 days'");
    assertThat(problems(json).get(4).message()).contains("empty logical constraint");
    assertThat(problems(json).get(5).message()).contains("has no time zone");
  }

  @Test
  void exceptionCarriesTheProblems() {
    assertThatThrownBy(() -> PolicyCodec.parse(constraint("colour", "eq", "\"red\"")))
        .isInstanceOf(PolicyValidationException.class)
        .satisfies(
            e ->
                assertThat(((PolicyValidationException) e).problems())
                    .extracting(PolicyProblem::pointer)
                    .containsExactly("/permission/0/constraint/0/leftOperand"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "count|lteq|\"many\"|/permission/0/constraint/0/rightOperand|expected an integer",
        "count|lteq|2.5|/permission/0/constraint/0/rightOperand|expected an integer",
        "count|isAnyOf|[1]|/permission/0/constraint/0/operator|not valid for count",
        "sluice:epsilon|lteq|\"a lot\"|/permission/0/constraint/0/rightOperand|expected a number",
        "sluice:outputColumns|isPartOf|[]|/permission/0/constraint/0/rightOperand|empty set",
        "sluice:participant.role|isAnyOf|[]|/permission/0/constraint/0/rightOperand|empty set",
        "sluice:computation|eq|\"mpc\"|/permission/0/constraint/0/rightOperand|unknown computation",
        "sluice:participant.|eq|\"x\"|/permission/0/constraint/0/leftOperand|unknown left operand",
        "dateTime|lteq|\"2027-13-01\"|/permission/0/constraint/0/rightOperand|malformed date-time",
        "elapsedTime|lteq|\"-P1D\"|/permission/0/constraint/0/rightOperand|malformed duration",
        "elapsedTime|lteq|\"PT\"|/permission/0/constraint/0/rightOperand|malformed duration",
        "elapsedTime|lteq|{\"@value\":\"P1D\",\"@type\":\"xsd:dateTime\"}|/permission/0/constraint/0/rightOperand|does not fit a duration",
        "purpose|eq|[\"a\",\"b\"]|/permission/0/constraint/0/rightOperand|single value",
        "purpose|eq|true|/permission/0/constraint/0/rightOperand|a right operand is",
        "sluice:retention|lteq|\"P1D\"|/permission/0/constraint/0/leftOperand|delete duty",
        "media|eq|\"print\"|/permission/0/constraint/0/leftOperand|unknown left operand",
        "sluice:keyColumns|isA|\"a\"|/permission/0/constraint/0/operator|operator isA is not valid"
            + " for sluice:keyColumns (a join key); use one of eq, neq, isAnyOf, isNoneOf (keys"
            + " have no hierarchy)",
        "sluice:keyColumns|isPartOf|[\"a\"]|/permission/0/constraint/0/operator|not valid for"
            + " sluice:keyColumns",
        "sluice:keyColumns|eq|[\"national_id:upper\",\"visit_date\"]"
            + "|/permission/0/constraint/0/rightOperand|eq on sluice:keyColumns takes a single"
            + " value, not a list: write the key as one string, e.g."
            + " \"national_id:upper,visit_date\"; isAnyOf lists alternative keys",
        "sluice:keyColumns|eq|\"national_id:title\"|/permission/0/constraint/0/rightOperand"
            + "|unknown case rule 'title' in sluice:keyColumns; use preserve, lower or upper",
        "sluice:keyColumns|eq|\"a,,b\"|/permission/0/constraint/0/rightOperand|column 2 of"
            + " sluice:keyColumns has no name",
        "sluice:keyColumns|isAnyOf|[\"a\",\"b:c:d\"]|/permission/0/constraint/0/rightOperand/1"
            + "|column 'b:c:d' in sluice:keyColumns has more than one ':'",
        "sluice:keyColumns|eq|\"a,b,a:upper\"|/permission/0/constraint/0/rightOperand|column 'a'"
            + " appears twice",
        "sluice:keyColumns|eq|\"a\\u0001b\"|/permission/0/constraint/0/rightOperand|contains a"
            + " control character",
        "sluice:keyColumns|eq|\"\"|/permission/0/constraint/0/rightOperand|empty string",
        "sluice:keyColumns|eq|\" , \"|/permission/0/constraint/0/rightOperand|column 1 of"
            + " sluice:keyColumns has no name",
        "sluice:keyColumns|eq|3|/permission/0/constraint/0/rightOperand|takes strings",
      })
  void rejectsAConstraint(String left, String op, String right, String pointer, String message) {
    List<PolicyProblem> problems = problems(constraint(left, op, right));

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).pointer()).isEqualTo(pointer);
    assertThat(problems.get(0).message()).contains(message);
  }

  @Test
  void keyColumnsHaveAtMostSixteenColumnsOf128Characters() {
    StringBuilder key = new StringBuilder("c0");
    for (int i = 1; i < 17; i++) {
      key.append(",c").append(i);
    }
    String name = "n".repeat(128);
    assertThat(problems(constraint("sluice:keyColumns", "eq", "\"" + key + "\"")))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.message())
                    .isEqualTo("sluice:keyColumns has 17 columns; a key has at most 16"));
    String sixteenColumns = key.substring(0, key.lastIndexOf(","));
    assertThat(problems(constraint("sluice:keyColumns", "eq", "\"" + sixteenColumns + "\"")))
        .isEmpty();
    assertThat(problems(constraint("sluice:keyColumns", "eq", "\"" + name + ":upper\""))).isEmpty();
    assertThat(problems(constraint("sluice:keyColumns", "eq", "\"" + name + "n\"")))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("at most 128 characters"));
  }

  @Test
  void keyColumnsAreARuleConditionNotADutyTerm() {
    String json =
        set(
            "{\"action\":\"use\",\"duty\":[{\"action\":\"delete\",\"constraint\":["
                + "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"eq\",\"rightOperand\":\"a\"}"
                + "]}]}");
    assertThat(problems(json))
        .extracting(PolicyProblem::pointer)
        .containsExactly("/permission/0/duty/0/constraint/0/leftOperand");
  }

  @Test
  void rejectsUnitsBecauseNoSluiceOperandTakesOne() {
    List<PolicyProblem> problems =
        problems(
            set(
                "{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"count\",\"operator\":\"lteq\","
                    + "\"rightOperand\":3,\"unit\":\"http://qudt.org/vocab/unit/DAY\"}]}"));
    assertThat(problems)
        .extracting(PolicyProblem::pointer)
        .containsExactly("/permission/0/constraint/0/unit");
  }

  @Test
  void rejectsMalformedJsonAndDuplicateKeys() {
    assertThat(problems("{\"@type\":")).hasSize(1);
    assertThat(
            problems(
                "{\"@type\":\"Set\",\"@type\":\"Offer\",\"permission\":[{\"action\":\"use\"}]}"))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("Duplicate field"));
  }

  @Test
  void requiresUidAndAssignerForAnOfferAndAssigneeForAnAgreement() {
    assertThat(problems("{\"@type\":\"Offer\",\"permission\":[{\"action\":\"use\"}]}"))
        .extracting(PolicyProblem::pointer)
        .containsExactly("", "/permission/0");
    assertThat(
            problems(
                "{\"@type\":\"Agreement\",\"uid\":\"u\",\"assigner\":\"a\",\"permission\":[{\"action\":\"use\"}]}"))
        .extracting(PolicyProblem::message)
        .containsExactly(
            "an Agreement needs an assignee: give one for the policy or for this rule");
  }

  @Test
  void rejectsAPolicyWithoutRules() {
    assertThat(problems("{\"@type\":\"Set\"}"))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("at least one permission"));
  }

  @Test
  void rejectsUnknownPropertiesAndNamesTheCompactForm() {
    assertThat(problems("{\"@type\":\"Set\",\"odrl:permission\":[{\"action\":\"use\"}]}"))
        .extracting(PolicyProblem::pointer, PolicyProblem::message)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "/odrl:permission",
                "unknown property 'odrl:permission' in a policy; write the compact form"
                    + " 'permission' (with the ODRL @context)"));
  }

  @Test
  void rejectsConstraintsReferencedById() {
    assertThat(problems(set("{\"action\":\"use\",\"constraint\":[{\"@id\":\"urn:c1\"}]}")))
        .extracting(PolicyProblem::pointer)
        .containsExactly("/permission/0/constraint/0");
  }

  @Test
  void rejectsRequestOperandsInADutyAndLogicalDuties() {
    String json =
        set(
            "{\"action\":\"use\",\"duty\":[{\"action\":\"delete\",\"constraint\":["
                + "{\"leftOperand\":\"purpose\",\"operator\":\"eq\",\"rightOperand\":\"x\"},"
                + "{\"and\":[{\"leftOperand\":\"sluice:retention\",\"operator\":\"lteq\",\"rightOperand\":\"P1D\"}]},"
                + "{\"leftOperand\":\"sluice:epsilon\",\"operator\":\"lteq\",\"rightOperand\":1}"
                + "]}]}");
    assertThat(problems(json))
        .extracting(PolicyProblem::pointer)
        .containsExactly(
            "/permission/0/duty/0/constraint/0/leftOperand",
            "/permission/0/duty/0/constraint/1",
            "/permission/0/duty/0/constraint/2/leftOperand");
  }

  @Test
  void rejectsDutiesOnProhibitionsAndRemediesOnPermissions() {
    String json =
        "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"remedy\":[{\"action\":\"delete\"}]}],"
            + "\"prohibition\":[{\"action\":\"use\",\"duty\":[{\"action\":\"inform\"}]}]}";
    assertThat(problems(json))
        .extracting(PolicyProblem::pointer)
        .containsExactly("/permission/0/remedy", "/prohibition/0/duty");
  }

  @Test
  void pointersFollowTheWrittenForm() {
    String json =
        "{\"@type\":\"Set\",\"permission\":{\"action\":[{\"rdf:value\":{\"@id\":\"odrl:use\"},"
            + "\"refinement\":{\"leftOperand\":\"purpose\",\"operator\":\"gt\",\"rightOperand\":\"x\"}}]}}";
    assertThat(problems(json))
        .extracting(PolicyProblem::pointer)
        .containsExactly("/permission/action/0/refinement/operator");
  }

  @Test
  void builderChecksLikeTheParser() {
    assertThatThrownBy(
            () ->
                Policy.builder()
                    .permission(
                        Rule.permission("use")
                            .withConstraints(
                                AtomicConstraint.of("count", "lteq", RightOperand.string("x"))))
                    .build())
        .isInstanceOf(PolicyValidationException.class)
        .hasMessageContaining("/permission/0/constraint/0/rightOperand");
  }
}
