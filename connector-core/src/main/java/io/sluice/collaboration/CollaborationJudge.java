package io.sluice.collaboration;

import io.sluice.negotiation.OfferBook;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyValidationException;
import io.sluice.policy.containment.Containment;
import io.sluice.policy.containment.ContainmentResult;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Failure;
import io.sluice.policy.eval.Request;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.ComputationParameters;
import io.sluice.proto.v1.MemberRole;
import io.sluice.proto.v1.OfferDraw;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A member's own judgement of a collaboration, by the policy engine, as the bilateral negotiation
 * judges a request ({@code OdrlPolicyJudge}): for its own draw, its offer must exist and contain
 * the terms the collaboration asks of it, and the collaboration as specified (purpose, computation,
 * outputs, key, thresholds, budget, uses, from now until its expiry) must be permitted by those
 * terms; with acceptable terms declared, every draw's terms must be within them. Participant claims
 * in the terms are not judged here: they are judged for each use against the caller's certificate.
 */
public final class CollaborationJudge {
  private final OfferBook offers;

  public CollaborationJudge(OfferBook offers) {
    this.offers = offers;
  }

  /**
   * Why {@code self} must refuse {@code c} (empty: its terms are met).
   *
   * @param acceptableJson terms this member accepts (null or blank: none declared)
   */
  public List<String> problems(Collaboration c, String self, String acceptableJson, Instant now) {
    List<String> problems = new ArrayList<>();
    if (CollaborationRules.withRole(c, MemberRole.CONTRIBUTOR).contains(self)) {
      OfferDraw draw = CollaborationFile.draw(c, self).orElseThrow();
      problems.addAll(drawProblems(c, draw, now));
    }
    if (acceptableJson != null && !acceptableJson.isBlank()) {
      problems.addAll(acceptableProblems(c, acceptableJson));
    }
    if (c.getExpiresMs() <= now.toEpochMilli()) {
      problems.add("the collaboration expired at " + Instant.ofEpochMilli(c.getExpiresMs()));
    }
    return problems;
  }

  private List<String> drawProblems(Collaboration c, OfferDraw draw, Instant now) {
    String where = "offer '" + draw.getOfferId() + "' of dataset '" + draw.getDatasetId() + "'";
    var offerJson = offers.offer(draw.getDatasetId(), draw.getOfferId());
    if (offerJson.isEmpty()) {
      return List.of("there is no " + where);
    }
    Policy offer = PolicyCodec.parse(offerJson.get());
    Policy terms =
        PolicyCodec.parse(new String(draw.getPolicy().toByteArray(), StandardCharsets.UTF_8));
    List<String> problems = new ArrayList<>();
    ContainmentResult contained = Containment.contains(offer, terms);
    if (!contained.contained()) {
      contained
          .reasons()
          .forEach(r -> problems.add("the terms are not contained in " + where + ": " + r));
    }
    CompiledPolicy compiled = CompiledPolicy.compile(terms);
    Instant last = Instant.ofEpochMilli(c.getExpiresMs() - 1);
    for (Instant at : List.of(now, last)) {
      for (Failure f : failures(compiled, c, at)) {
        problems.add("the terms do not permit the collaboration at " + at + ": " + f);
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(problems));
  }

  /** What the terms deny of the collaboration's uses at {@code at}, claims aside. */
  private static List<Failure> failures(CompiledPolicy terms, Collaboration c, Instant at) {
    Request request =
        Request.builder()
            .purpose(c.getPurpose())
            .clock(Clock.fixed(at, ZoneOffset.UTC))
            .useCount(c.getMaxUses() - 1)
            .computation(computation(c))
            .unknownFactsMayHold()
            .build();
    Decision d = terms.evaluate(request);
    if (d.permitted()) {
      return List.of();
    }
    return d.failures().stream().filter(f -> !aboutClaims(f)).toList();
  }

  private static boolean aboutClaims(Failure f) {
    String expected = f.expected() == null ? "" : f.expected();
    return expected.startsWith("sluice:participant.") || expected.startsWith("participant ");
  }

  /** The computation the collaboration declares, as the evaluator sees one use of it. */
  static Computation computation(Collaboration c) {
    ComputationParameters p = c.getParameters();
    Computation k = Computation.of(c.getComputation());
    k = k.withOutputColumns(new HashSet<>(p.getOutputColumnsList()));
    if (p.getMinGroupSize() > 0) {
      k = k.withMinGroupSize(p.getMinGroupSize());
    }
    int contributors = CollaborationRules.withRole(c, MemberRole.CONTRIBUTOR).size();
    k = k.withParties(p.getMinContributors() > 0 ? p.getMinContributors() : contributors);
    if (p.getPrivacyBudget().getEpsilon() > 0) {
      k = k.withEpsilon(p.getPrivacyBudget().getEpsilon());
    }
    if (p.getKeyColumnsCount() > 0) {
      k = k.withKeyColumns(String.join(",", p.getKeyColumnsList()));
    }
    return k;
  }

  private static List<String> acceptableProblems(Collaboration c, String acceptableJson) {
    Policy acceptable;
    try {
      acceptable = PolicyCodec.parse(acceptableJson);
    } catch (PolicyValidationException e) {
      return List.of("the acceptable terms are not a valid policy: " + e.getMessage());
    }
    List<String> problems = new ArrayList<>();
    for (OfferDraw d : c.getDrawsList()) {
      Policy terms =
          PolicyCodec.parse(new String(d.getPolicy().toByteArray(), StandardCharsets.UTF_8));
      ContainmentResult within = Containment.contains(acceptable, terms);
      within
          .reasons()
          .forEach(
              r ->
                  problems.add(
                      "the terms of " + d.getMember() + " are outside the acceptable terms: " + r));
    }
    return problems;
  }
}
