package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.PolicyCodec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Checking claims, purpose and time before the computation is known (negotiation, catalog). */
class UnknownFactsMayHoldTest {
  static final String OFFER =
      """
      {"@type":"Offer","uid":"urn:o","assigner":"sluice://health/fund",
       "permission":[{"action":"use","constraint":[
         {"leftOperand":"sluice:participant.role","operator":"eq","rightOperand":"commercial-insurer"},
         {"leftOperand":"purpose","operator":"eq","rightOperand":"claims-settlement"},
         {"leftOperand":"sluice:computation","operator":"eq","rightOperand":"psi-label"},
         {"leftOperand":"sluice:inputRows","operator":"lteq","rightOperand":1000}]}],
       "prohibition":[{"action":"use","constraint":[
         {"leftOperand":"sluice:participant.org","operator":"eq","rightOperand":"Bad Corp"}]}]}
      """;

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);

  private static Decision evaluate(Request.Builder b) {
    return CompiledPolicy.compile(PolicyCodec.parse(OFFER)).evaluate(b.clock(CLOCK).build());
  }

  @Test
  void rightClaimsAndPurposeMayBePermittedBeforeTheComputationIsKnown() {
    Decision d =
        evaluate(
            Request.builder()
                .claim("role", "commercial-insurer")
                .purpose("claims-settlement")
                .unknownFactsMayHold());
    assertThat(d.permitted()).as(d.failures().toString()).isTrue();
  }

  @Test
  void wrongRoleIsDeniedAndOnlyTheKnownFactIsBlamed() {
    Decision d =
        evaluate(
            Request.builder()
                .claim("role", "automotive-oem")
                .purpose("claims-settlement")
                .unknownFactsMayHold());
    assertThat(d.permitted()).isFalse();
    assertThat(d.failures()).hasSize(1);
    assertThat(d.failures().get(0).message())
        .contains("sluice:participant.role")
        .contains("commercial-insurer");
  }

  @Test
  void withoutTheFlagMissingFactsStillDenyAndProhibitionsApply() {
    Decision d =
        evaluate(
            Request.builder().claim("role", "commercial-insurer").purpose("claims-settlement"));
    assertThat(d.permitted()).isFalse();
  }

  @Test
  void knownFactsStillTriggerProhibitions() {
    Decision d =
        evaluate(
            Request.builder()
                .claim("role", "commercial-insurer")
                .claim("org", "Bad Corp")
                .purpose("claims-settlement")
                .unknownFactsMayHold());
    assertThat(d.permitted()).isFalse();
    assertThat(d.failures().get(0).message()).contains("prohibited");
  }

  @Test
  void aKnownComputationIsCheckedEvenWhenOtherFactsAreMissing() {
    Decision d =
        evaluate(
            Request.builder()
                .claim("role", "commercial-insurer")
                .purpose("claims-settlement")
                .computation(Computation.of("sql"))
                .unknownFactsMayHold());
    assertThat(d.permitted()).isFalse();
    assertThat(d.failures()).anyMatch(f -> f.message().contains("sluice:computation"));
  }
}
