package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyTermsTest {
  @Test
  void readsTheClaimsMatchingOffersTerms() {
    PolicyTerms t =
        PolicyTerms.of(PolicyCodec.parse(RepoFiles.example("claims-matching-offer.json")));

    assertThat(t.computationKinds()).contains(Set.of("psi-label"));
    assertThat(t.outputColumns()).contains(Set.of("settled_amount", "settlement_date"));
    assertThat(t.purposes()).contains(Set.of("claims-settlement"));
    assertThat(t.maxInputRows()).hasValue(1_000_000);
    assertThat(t.maxUseCount()).hasValue(30);
    assertThat(t.validUntil()).contains(Instant.parse("2027-12-31T23:59:59Z"));
    assertThat(t.retention()).contains("P30D");
    assertThat(t.minResultGroupSize()).isEmpty();
    assertThat(t.keyColumns()).contains(Set.of("national_id:upper,visit_date"));
    assertThat(KeyColumns.parse(t.keyColumns().orElseThrow().iterator().next()).columns())
        .containsExactly(
            new KeyColumns.Column("national_id", KeyColumns.CaseRule.UPPER),
            new KeyColumns.Column("visit_date", KeyColumns.CaseRule.PRESERVE));
  }

  @Test
  void readsTheAggregationOffersTerms() {
    PolicyTerms t =
        PolicyTerms.of(PolicyCodec.parse(RepoFiles.example("auto-aggregation-offer.json")));

    assertThat(t.computationKinds()).contains(Set.of("aggregate"));
    assertThat(t.minResultGroupSize()).hasValue(5);
    assertThat(t.minParties()).hasValue(3);
    assertThat(t.maxEpsilon()).hasValue(1.0);
    assertThat(t.retention()).isEmpty();
    assertThat(t.keyColumns()).isEmpty();
  }

  @Test
  void keyColumnsAreTheKeysAnyPermissionAllowsAndOpenWhenOneLeavesThemOpen() {
    String permission =
        "{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"sluice:keyColumns\","
            + "\"operator\":\"%s\",\"rightOperand\":%s}]}";
    Policy two =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":["
                + permission.formatted("eq", "\"a:UPPER, b\"")
                + ","
                + permission.formatted("isAnyOf", "[\"c\",\"a:upper,b\"]")
                + "]}");
    Policy open =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":["
                + permission.formatted("eq", "\"a\"")
                + ","
                + permission.formatted("neq", "\"b\"")
                + "]}");

    assertThat(PolicyTerms.of(two).keyColumns()).contains(Set.of("a:upper,b", "c"));
    assertThat(PolicyTerms.of(open).keyColumns()).isEmpty();
  }

  @Test
  void takesTheLoosestTermOverPermissionsAndExpandsFamilies() {
    Policy p =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":["
                + "{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"sluice:computation\",\"operator\":\"isA\",\"rightOperand\":\"psi\"},"
                + "{\"leftOperand\":\"sluice:inputRows\",\"operator\":\"lt\",\"rightOperand\":100}]},"
                + "{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"sluice:computation\",\"operator\":\"neq\",\"rightOperand\":\"sql\"},"
                + "{\"leftOperand\":\"sluice:inputRows\",\"operator\":\"lteq\",\"rightOperand\":500}]}]}");

    PolicyTerms t = PolicyTerms.of(p);
    assertThat(t.computationKinds())
        .contains(Set.of("psi", "psi-cardinality", "psi-label", "aggregate"));
    assertThat(t.maxInputRows()).hasValue(500);
    assertThat(t.maxUseCount()).isEmpty();
  }
}
