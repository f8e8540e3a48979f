package io.sluice.results;

import io.sluice.policy.PolicyCodec;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Obligation;
import io.sluice.policy.eval.Request;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Delete duties as the policy engine hands them out, from small offers. */
final class Duties {
  private Duties() {}

  /** The delete duty of an offer whose only permission carries {@code delete} with a retention. */
  static Obligation delete(String retention) {
    return permittedDuty(
        "{\"action\": \"delete\", \"constraint\": [{\"leftOperand\": \"sluice:retention\","
            + " \"operator\": \"lteq\", \"rightOperand\": {\"@value\": \""
            + retention
            + "\", \"@type\": \"xsd:duration\"}}]}");
  }

  /** A delete duty without a retention term. */
  static Obligation deleteWithoutRetention() {
    return permittedDuty("{\"action\": \"delete\"}");
  }

  private static Obligation permittedDuty(String dutyJson) {
    String offer =
        "{\"@context\": [\"http://www.w3.org/ns/odrl.jsonld\", {\"sluice\": \"urn:sluice:vocab:\"}],"
            + " \"@type\": \"Offer\", \"uid\": \"urn:test:offer\","
            + " \"assigner\": \"sluice://health/fund\", \"target\": \"urn:test:dataset\","
            + " \"permission\": [{\"action\": \"use\", \"duty\": ["
            + dutyJson
            + "]}]}";
    Decision decision =
        CompiledPolicy.compile(PolicyCodec.parse(offer))
            .evaluate(
                Request.builder()
                    .target("urn:test:dataset")
                    .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
                    .build());
    if (!decision.permitted() || decision.duties().size() != 1) {
      throw new IllegalStateException("the test offer does not permit with one duty: " + decision);
    }
    return decision.duties().get(0);
  }
}
