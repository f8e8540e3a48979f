package io.sluice.policy.containment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.RepoFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainmentTest {
  static final Policy OFFER = PolicyCodec.parse(RepoFiles.example("claims-matching-offer.json"));

  /** The claims-matching offer's document with some text replaced. */
  static Policy offerWith(String... replacements) {
    String json = RepoFiles.example("claims-matching-offer.json");
    for (int i = 0; i < replacements.length; i += 2) {
      String before = json;
      json = json.replace(replacements[i], replacements[i + 1]);
      assertThat(json).as("replaced %s", replacements[i]).isNotEqualTo(before);
    }
    return PolicyCodec.parse(json);
  }

  @Test
  void aStricterRequestIsContained() {
    Policy request =
        offerWith(
            "\"rightOperand\": 1000000", "\"rightOperand\": 250000",
            "\"2027-12-31T23:59:59Z\"", "\"2026-12-31T23:59:59+01:00\"",
            "\"rightOperand\": 30 }", "\"rightOperand\": 12 }",
            "[\"settled_amount\", \"settlement_date\"]", "[\"settled_amount\"]",
            "\"P30D\"", "\"P7D\"");

    ContainmentResult result = Containment.contains(OFFER, request);

    assertThat(result.contained()).as(result.toString()).isTrue();
    assertThat(result.reasons()).isEmpty();
  }

  @Test
  void theSameMeaningWrittenDifferentlyIsContained() {
    Policy request =
        PolicyCodec.parse(
            "{\"@type\":\"odrl:Offer\",\"@id\":\"urn:request\",\"permission\":{"
                + "\"target\":\"urn:sluice:dataset:settled-claims-2025\","
                + "\"assigner\":\"sluice://health/medical-insurance-fund-nord\","
                + "\"action\":{\"@id\":\"odrl:use\"},"
                + "\"duty\":[{\"action\":\"delete\",\"constraint\":{\"leftOperand\":\"sluice:retention\","
                + "\"operator\":\"lteq\",\"rightOperand\":\"PT720H\"}},{\"action\":\"odrl:inform\"}],"
                + "\"constraint\":{\"and\":["
                + "{\"leftOperand\":\"count\",\"operator\":\"lt\",\"rightOperand\":31},"
                + "{\"leftOperand\":\"dateTime\",\"operator\":\"lteq\",\"rightOperand\":\"2028-01-01T00:59:59+01:00\"},"
                + "{\"leftOperand\":\"sluice:inputRows\",\"operator\":\"lteq\",\"rightOperand\":{\"@value\":\"1000000\",\"@type\":\"xsd:integer\"}},"
                + "{\"leftOperand\":\"sluice:outputColumns\",\"operator\":\"isPartOf\",\"rightOperand\":[\"settlement_date\",\"settled_amount\"]},"
                + "{\"leftOperand\":\"sluice:computation\",\"operator\":\"isAnyOf\",\"rightOperand\":[\"psi-label\"]},"
                + "{\"leftOperand\":\"purpose\",\"operator\":\"isPartOf\",\"rightOperand\":[\"claims-settlement\"]},"
                + "{\"leftOperand\":\"sluice:participant.role\",\"operator\":\"isAllOf\",\"rightOperand\":[\"commercial-insurer\"]},"
                + "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"isAnyOf\",\"rightOperand\":[\"national_id:UPPER, visit_date:preserve\"]}"
                + "]}}}");

    ContainmentResult result = Containment.contains(OFFER, request);

    assertThat(result.contained()).as(result.toString()).isTrue();
  }

  @Test
  void aWholeDayIsLongerThanTheOffersLastSecond() {
    Policy request =
        offerWith(
            "{ \"@value\": \"2027-12-31T23:59:59Z\", \"@type\": \"xsd:dateTime\" }",
            "{ \"@value\": \"2027-12-31\", \"@type\": \"xsd:date\" }");

    assertThat(Containment.contains(OFFER, request).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/constraint/5");
  }

  @Test
  void aWiderRequestIsNotContainedAndTheReasonNamesTheOfferConstraint() {
    Policy request =
        offerWith(
            "\"rightOperand\": 1000000",
            "\"rightOperand\": 2000000",
            "\"operator\": \"eq\", \"rightOperand\": \"psi-label\"",
            "\"operator\": \"isA\", \"rightOperand\": \"psi\"");

    ContainmentResult result = Containment.contains(OFFER, request);

    assertThat(result.contained()).isFalse();
    assertThat(result.reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/constraint/2", "/permission/0/constraint/4");
    assertThat(result.reasons().get(1).message())
        .isEqualTo(
            "the offer requires sluice:inputRows lteq 1000000; the request allows more with"
                + " sluice:inputRows lteq 2000000");
  }

  @Test
  void aRequestWithoutAnOfferConstraintIsNotContained() {
    Policy request =
        offerWith(
            "{ \"leftOperand\": \"count\", \"operator\": \"lteq\", \"rightOperand\": 30 }",
            "{ \"leftOperand\": \"purpose\", \"operator\": \"eq\", \"rightOperand\": \"claims-settlement\" }");

    ContainmentResult result = Containment.contains(OFFER, request);

    assertThat(result.reasons())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.pointer()).isEqualTo("/permission/0/constraint/6");
              assertThat(r.message()).contains("does not constrain count");
            });
  }

  static final String KEY = "\"rightOperand\": \"national_id:upper,visit_date\"";

  @Test
  void onlyTheOffersOwnKeyIsContainedNeitherASubsetNorASuperset() {
    assertThat(
            Containment.contains(
                    OFFER, offerWith(KEY, "\"rightOperand\": \"national_id:Upper , visit_date\""))
                .contained())
        .isTrue();
    for (String other :
        List.of(
            "\"visit_date\"",
            "\"national_id:upper\"",
            "\"national_id:upper,visit_date,diagnosis_group\"",
            "\"visit_date,national_id:upper\"",
            "\"national_id,visit_date\"")) {
      ContainmentResult result =
          Containment.contains(OFFER, offerWith(KEY, "\"rightOperand\": " + other));
      assertThat(result.reasons())
          .as(other)
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.pointer()).isEqualTo("/permission/0/constraint/7");
                assertThat(r.message())
                    .startsWith(
                        "the offer requires sluice:keyColumns eq national_id:upper,visit_date;");
              });
    }
  }

  @Test
  void aRequestThatLeavesTheKeyOpenOrAddsAnAlternativeIsNotContained() {
    Policy alternative =
        offerWith(
            "\"operator\": \"eq\", " + KEY,
            "\"operator\": \"isAnyOf\", \"rightOperand\": [\"national_id:upper,visit_date\","
                + " \"claim_ref\"]");
    Policy open =
        offerWith(
            "\"operator\": \"eq\", " + KEY,
            "\"operator\": \"neq\", \"rightOperand\": \"claim_ref\"");

    assertThat(Containment.contains(OFFER, alternative).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/constraint/7");
    assertThat(Containment.contains(OFFER, open).reasons())
        .singleElement()
        .satisfies(r -> assertThat(r.message()).contains("sluice:keyColumns neq claim_ref"));
  }

  @Test
  void aRequestMayChooseOneOfTheOffersAlternativeKeys() {
    Policy offer =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"isAnyOf\","
                + "\"rightOperand\":[\"national_id:upper,visit_date\",\"claim_ref\"]}]}]}");
    String request =
        "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
            + "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":%s}]}]}";

    assertThat(
            contained(offer, request.formatted("\"eq\",\"rightOperand\":\"claim_ref:preserve\"")))
        .isTrue();
    assertThat(
            contained(
                offer,
                request.formatted(
                    "\"isAnyOf\",\"rightOperand\":[\"claim_ref\",\"national_id:UPPER,visit_date\"]")))
        .isTrue();
    assertThat(contained(offer, request.formatted("\"eq\",\"rightOperand\":\"claim_ref:lower\"")))
        .isFalse();
    assertThat(contained(offer, request.formatted("\"neq\",\"rightOperand\":\"claim_ref\"")))
        .isFalse();
  }

  private static boolean contained(Policy offer, String request) {
    return Containment.contains(offer, PolicyCodec.parse(request)).contained();
  }

  @Test
  void aRequestThatDropsOrWeakensTheDeleteDutyIsNotContained() {
    ContainmentResult weaker = Containment.contains(OFFER, offerWith("\"P30D\"", "\"P60D\""));
    assertThat(weaker.reasons())
        .singleElement()
        .satisfies(r -> assertThat(r.pointer()).isEqualTo("/permission/0/duty/0"));
  }

  @Test
  void aRequestThatDropsAProhibitionIsNotContained() {
    Policy offer = PolicyCodec.parse(RepoFiles.example("cleanroom-offer.json"));
    String json = RepoFiles.example("cleanroom-offer.json");
    Policy withoutProhibition =
        PolicyCodec.parse(json.substring(0, json.indexOf(",\n  \"prohibition\"")) + "\n}");

    ContainmentResult result = Containment.contains(offer, withoutProhibition);

    assertThat(result.contained()).isFalse();
    assertThat(result.reasons()).extracting(Reason::pointer).containsExactly("/prohibition/0");
    assertThat(Containment.contains(offer, offer).contained()).isTrue();
  }

  @Test
  void aRequestForAnotherTargetOrABroaderActionIsNotContained() {
    assertThat(Containment.contains(OFFER, offerWith("settled-claims-2025", "other")).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/target");
    Policy transferOffer = offerWith("\"action\": \"use\"", "\"action\": \"read\"");
    assertThat(Containment.contains(transferOffer, OFFER).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/action");
  }

  @Test
  void setsContainSubsetsAndRegionsContainCountries() {
    Policy offer =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + "{\"leftOperand\":\"spatial\",\"operator\":\"isPartOf\",\"rightOperand\":\"EU\"},"
                + "{\"leftOperand\":\"sluice:participant.role\",\"operator\":\"isAnyOf\",\"rightOperand\":[\"a\",\"b\"]},"
                + "{\"leftOperand\":\"sluice:epsilon\",\"operator\":\"lteq\",\"rightOperand\":1.0},"
                + "{\"leftOperand\":\"sluice:minResultGroupSize\",\"operator\":\"gteq\",\"rightOperand\":5}]}]}");
    Policy request =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"sluice:compute\",\"constraint\":["
                + "{\"leftOperand\":\"spatial\",\"operator\":\"isAnyOf\",\"rightOperand\":[\"DE\",\"FR\"]},"
                + "{\"leftOperand\":\"sluice:participant.role\",\"operator\":\"eq\",\"rightOperand\":\"b\"},"
                + "{\"leftOperand\":\"sluice:epsilon\",\"operator\":\"lt\",\"rightOperand\":0.5},"
                + "{\"leftOperand\":\"sluice:minResultGroupSize\",\"operator\":\"gt\",\"rightOperand\":9}]}]}");
    Policy wider =
        PolicyCodec.parse(
            PolicyCodec.toJson(request).replace("[\"DE\",\"FR\"]", "[\"DE\",\"US\"]"));

    assertThat(Containment.contains(offer, request).contained()).isTrue();
    assertThat(Containment.contains(offer, wider).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/constraint/0");
  }

  @Test
  void anOrInTheRequestIsContainedWhenEveryBranchIs() {
    Policy offer =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + "{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":10}]}]}");
    String branch = "{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":%d}";
    String request =
        "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":[{\"or\":["
            + branch
            + ","
            + branch
            + "]}]}]}";

    assertThat(Containment.contains(offer, PolicyCodec.parse(request.formatted(3, 10))).contained())
        .isTrue();
    assertThat(Containment.contains(offer, PolicyCodec.parse(request.formatted(3, 11))).contained())
        .isFalse();
  }

  @Test
  void aContradictoryRequestGrantsNothingAndIsContained() {
    Policy request =
        offerWith(
            "\"rightOperand\": 30 }",
            "\"rightOperand\": 30 }, {\"leftOperand\":\"count\",\"operator\":\"gt\",\"rightOperand\":40}");

    assertThat(Containment.contains(OFFER, request).contained()).isTrue();
  }
}
