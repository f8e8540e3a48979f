package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.identity.ParticipantId;
import io.sluice.identity.PeerIdentity;
import io.sluice.policy.PolicyCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The negotiation decisions on the shipped claims-matching offer. */
class OdrlPolicyJudgeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
  final OdrlPolicyJudge judge = new OdrlPolicyJudge();

  static String offer() throws IOException {
    try (InputStream in =
        OdrlPolicyJudgeTest.class.getResourceAsStream(
            "/io/sluice/policy/examples/claims-matching-offer.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static PeerIdentity participant(String id, String role) {
    return new PeerIdentity(
        new ParticipantId("health", id),
        "Org " + id,
        new TreeSet<>(java.util.Set.of(role)),
        new TreeMap<>(Map.of("industry", "insurance")),
        "00",
        "1",
        NOW.minusSeconds(3600),
        NOW.plusSeconds(3600));
  }

  /** The offer with the use count limit changed. */
  static String withCount(String policy, int count) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(policy);
    for (var c : (ArrayNode) root.get("permission").get(0).get("constraint")) {
      if (c.get("leftOperand").asText().equals("count")) {
        ((ObjectNode) c).put("rightOperand", count);
      }
    }
    return JSON.writeValueAsString(root);
  }

  @Test
  void agreesToTheOfferForACommercialInsurerWithTheRightPurpose() throws IOException {
    var verdict =
        judge.judgeRequest(
            offer(),
            offer(),
            participant("insurer-a", "commercial-insurer"),
            "claims-settlement",
            NOW);
    assertThat(verdict).isInstanceOf(PolicyJudge.Agree.class);
    var agree = (PolicyJudge.Agree) verdict;
    assertThat(agree.canonicalPolicy())
        .isEqualTo(PolicyCodec.canonicalBytes(PolicyCodec.parse(offer())));
    assertThat(agree.validUntil()).isEqualTo(Instant.parse("2027-12-31T23:59:59Z"));
  }

  @Test
  void refusesTheWrongRoleNamingTheConstraint() throws IOException {
    var verdict =
        judge.judgeRequest(
            offer(), offer(), participant("oem", "automotive-oem"), "claims-settlement", NOW);
    assertThat(verdict).isInstanceOf(PolicyJudge.Refuse.class);
    assertThat(((PolicyJudge.Refuse) verdict).reasons())
        .anyMatch(
            r -> r.contains("/permission/0/constraint/0") && r.contains("commercial-insurer"));
  }

  @Test
  void refusesAnotherPurpose() throws IOException {
    var verdict =
        judge.judgeRequest(
            offer(), offer(), participant("insurer-a", "commercial-insurer"), "marketing", NOW);
    assertThat(verdict).isInstanceOf(PolicyJudge.Refuse.class);
    assertThat(((PolicyJudge.Refuse) verdict).reasons()).anyMatch(r -> r.contains("purpose"));
  }

  @Test
  void refusesAfterTheOfferExpired() throws IOException {
    var verdict =
        judge.judgeRequest(
            offer(),
            offer(),
            participant("insurer-a", "commercial-insurer"),
            "claims-settlement",
            Instant.parse("2028-01-05T00:00:00Z"));
    assertThat(verdict).isInstanceOf(PolicyJudge.Refuse.class);
    assertThat(((PolicyJudge.Refuse) verdict).reasons()).anyMatch(r -> r.contains("dateTime"));
  }

  @Test
  void countersAWiderRequestWithTheNarrowedPolicyAndTheConsumerChecksItsTerms() throws IOException {
    String wider = withCount(offer(), 50);
    var verdict =
        judge.judgeRequest(
            offer(),
            wider,
            participant("insurer-a", "commercial-insurer"),
            "claims-settlement",
            NOW);
    assertThat(verdict).isInstanceOf(PolicyJudge.Counter.class);
    var counter = (PolicyJudge.Counter) verdict;
    assertThat(counter.reasons()).anyMatch(r -> r.contains("count"));
    assertThat(counter.policyJson()).contains("\"count\"");

    // acceptable terms as wide as the request: the counter lies within them
    assertThat(judge.judgeCounter(counter.policyJson(), wider))
        .isInstanceOf(PolicyJudge.Agree.class);
    // acceptable terms stricter than the counter (at most 10 uses): declined, with the reason
    var declined = judge.judgeCounter(counter.policyJson(), withCount(offer(), 10));
    assertThat(declined).isInstanceOf(PolicyJudge.Refuse.class);
    assertThat(((PolicyJudge.Refuse) declined).reasons())
        .anyMatch(r -> r.contains("outside the acceptable terms"));
    // no terms declared: never accepted silently
    assertThat(judge.judgeCounter(counter.policyJson(), "")).isInstanceOf(PolicyJudge.Refuse.class);
    // and the provider agrees to the counter it made
    assertThat(
            judge.judgeAccepted(
                offer(), counter.policyJson(), participant("insurer-a", "commercial-insurer"), NOW))
        .isInstanceOf(PolicyJudge.Agree.class);
  }

  @Test
  void invalidRequestIsRefusedWithPointers() throws IOException {
    var verdict =
        judge.judgeRequest(
            offer(),
            "{\"@type\":\"Offer\",\"permission\":[{\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"shoeSize\",\"operator\":\"eq\",\"rightOperand\":1}]}]}",
            participant("insurer-a", "commercial-insurer"),
            "claims-settlement",
            NOW);
    assertThat(verdict).isInstanceOf(PolicyJudge.Refuse.class);
    assertThat(((PolicyJudge.Refuse) verdict).reasons())
        .anyMatch(r -> r.contains("/permission/0/constraint/0"));
  }

  @Test
  void theCatalogShowsTheOfferOnlyToClaimsThatQualify() throws IOException {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    assertThat(
            OdrlPolicyJudge.visibleTo(
                offer(), participant("insurer-a", "commercial-insurer").claims(), clock))
        .isTrue();
    assertThat(
            OdrlPolicyJudge.visibleTo(
                offer(), participant("oem", "automotive-oem").claims(), clock))
        .isFalse();
  }
}
