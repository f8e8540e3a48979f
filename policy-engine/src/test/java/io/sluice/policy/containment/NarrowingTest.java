package io.sluice.policy.containment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.policy.PolicyType;
import io.sluice.policy.RepoFiles;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NarrowingTest {
  static final Policy OFFER = PolicyCodec.parse(RepoFiles.example("claims-matching-offer.json"));

  static Policy acceptable(String constraints, String duties) {
    return PolicyCodec.parse(
        "{\"@type\":\"Set\",\"assignee\":\"sluice://health/insurer-a\",\"permission\":[{"
            + "\"action\":\"sluice:compute\",\"constraint\":["
            + constraints
            + "],\"duty\":["
            + duties
            + "]}]}");
  }

  static final String DELETE_IN_7_DAYS =
      "{\"action\":\"delete\",\"constraint\":[{\"leftOperand\":\"sluice:retention\","
          + "\"operator\":\"lteq\",\"rightOperand\":\"P7D\"}]}";

  @Test
  void intersectsIntervalsSetsAndDuties() {
    Policy acceptable =
        acceptable(
            "{\"leftOperand\":\"sluice:outputColumns\",\"operator\":\"isPartOf\",\"rightOperand\":[\"settled_amount\",\"claim_id\"]},"
                + "{\"leftOperand\":\"sluice:inputRows\",\"operator\":\"lteq\",\"rightOperand\":300000},"
                + "{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":100}",
            DELETE_IN_7_DAYS + ",{\"action\":\"inform\"}");

    NarrowingResult result = Narrowing.narrow(OFFER, acceptable);

    assertThat(result.narrowed()).as(result.reasons().toString()).isTrue();
    Policy agreement = result.policy().orElseThrow();
    assertThat(agreement.type()).isEqualTo(PolicyType.AGREEMENT);
    assertThat(agreement.uid().orElseThrow()).startsWith("urn:sluice:narrowed:");
    assertThat(agreement.permissions().get(0).action().name()).isEqualTo("sluice:compute");
    PolicyTerms terms = PolicyTerms.of(agreement);
    assertThat(terms.outputColumns()).contains(Set.of("settled_amount"));
    assertThat(terms.maxInputRows()).hasValue(300_000);
    assertThat(terms.maxUseCount()).hasValue(30);
    assertThat(terms.retention()).contains("P7D");
    assertThat(terms.keyColumns()).contains(Set.of("national_id:upper,visit_date"));
    assertThat(Containment.contains(OFFER, agreement).contained()).isTrue();
    assertThat(Containment.contains(acceptable, agreement).contained()).isTrue();
    // Canonical and re-parseable: what the negotiation signs.
    assertThat(PolicyCodec.parse(PolicyCodec.toJson(agreement))).isEqualTo(agreement);
  }

  @Test
  void explainsWhyNoAgreementExists() {
    Policy acceptable =
        acceptable(
            "{\"leftOperand\":\"purpose\",\"operator\":\"eq\",\"rightOperand\":\"marketing\"}",
            DELETE_IN_7_DAYS);

    NarrowingResult result = Narrowing.narrow(OFFER, acceptable);

    assertThat(result.narrowed()).isFalse();
    assertThat(result.reasons())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.pointer()).isEqualTo("/permission/0");
              assertThat(r.message())
                  .isEqualTo(
                      "no agreement: the offer requires purpose eq claims-settlement but the"
                          + " acceptable terms require purpose eq marketing");
            });
  }

  static final String TWO_KEYS =
      "{\"@type\":\"Offer\",\"uid\":\"urn:o\",\"assigner\":\"sluice://p\",\"permission\":[{"
          + "\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"sluice:keyColumns\","
          + "\"operator\":\"isAnyOf\",\"rightOperand\":[\"national_id:upper,visit_date\",\"claim_ref\"]}]}]}";

  @Test
  void theAgreementNamesTheKeyBothSidesAccept() {
    Policy offer = PolicyCodec.parse(TWO_KEYS);
    Policy acceptable =
        acceptable(
            "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"isAnyOf\","
                + "\"rightOperand\":[\"claim_ref:PRESERVE\",\"policy_number\"]}",
            "");

    NarrowingResult result = Narrowing.narrow(offer, acceptable);

    assertThat(result.narrowed()).as(result.reasons().toString()).isTrue();
    assertThat(PolicyTerms.of(result.policy().orElseThrow()).keyColumns())
        .contains(Set.of("claim_ref"));
  }

  @Test
  void noAgreementWhenTheKeysDifferAndTheReasonNamesTheOperand() {
    Policy offer = PolicyCodec.parse(TWO_KEYS);
    Policy acceptable =
        acceptable(
            "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"eq\","
                + "\"rightOperand\":\"visit_date\"}",
            "");

    assertThat(Narrowing.narrow(offer, acceptable).reasons())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.message())
                    .isEqualTo(
                        "no agreement: the offer requires sluice:keyColumns isAnyOf [claim_ref,"
                            + " national_id:upper,visit_date] but the acceptable terms require"
                            + " sluice:keyColumns eq visit_date"));
  }

  @Test
  void refusesWhenTheConsumerDoesNotAcceptAnOfferedDuty() {
    NarrowingResult result = Narrowing.narrow(OFFER, acceptable("", ""));

    assertThat(result.reasons())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.pointer()).isEqualTo("/permission/0/duty/0");
              assertThat(r.message()).contains("which the acceptable terms do not accept");
            });
  }

  @Test
  void refusesAnInformDutyToAnotherParty() {
    Policy offer =
        PolicyCodec.parse(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"duty\":[{"
                + "\"action\":\"inform\",\"informedParty\":\"sluice://fund\"}]}]}");
    String informing = "{\"action\":\"inform\",\"informedParty\":\"%s\"}";

    assertThat(
            Narrowing.narrow(offer, acceptable("", informing.formatted("sluice://other")))
                .reasons())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.pointer()).isEqualTo("/permission/0/duty/0");
              assertThat(r.message())
                  .isEqualTo(
                      "the duty inform (informedParty sluice://fund) names informedParty"
                          + " sluice://fund, the acceptable terms sluice://other");
            });
    assertThat(
            Narrowing.narrow(offer, acceptable("", informing.formatted("sluice://fund")))
                .narrowed())
        .isTrue();
    assertThat(Narrowing.narrow(offer, acceptable("", "{\"action\":\"inform\"}")).narrowed())
        .isTrue();
  }

  @Test
  void refusesConflictingDutyTerms() {
    String keepLong =
        "{\"action\":\"delete\",\"constraint\":[{\"leftOperand\":\"sluice:retention\","
            + "\"operator\":\"gteq\",\"rightOperand\":\"P60D\"}]}";
    assertThat(Narrowing.narrow(OFFER, acceptable("", keepLong)).reasons())
        .extracting(Reason::pointer)
        .containsExactly("/permission/0/duty/0");
  }
}
