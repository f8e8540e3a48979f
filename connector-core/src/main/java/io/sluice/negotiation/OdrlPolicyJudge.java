package io.sluice.negotiation;

import io.sluice.identity.PeerIdentity;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.policy.PolicyValidationException;
import io.sluice.policy.containment.Containment;
import io.sluice.policy.containment.ContainmentResult;
import io.sluice.policy.containment.Narrowing;
import io.sluice.policy.containment.NarrowingResult;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Request;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Negotiation decisions by the policy engine, by meaning rather than JSON equality: the provider
 * agrees when the offer contains the requested policy and the consumer's certificate claims,
 * purpose and the current time satisfy it; counter-offers the narrowed policy when the request is
 * wider than the offer but a policy acceptable to both exists; refuses otherwise, naming the
 * constraints. The consumer accepts a counter-offer only if its declared acceptable terms contain
 * it.
 */
public final class OdrlPolicyJudge implements PolicyJudge {
  /**
   * Parsed policies by their JSON text: offers come back on every request, and a parsed {@link
   * Policy} is immutable, so parsing each text once is enough. Bounded, least recently used out.
   */
  private static final java.util.Map<String, Policy> PARSED =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Policy> eldest) {
              return size() > 256;
            }
          });

  static Policy parsed(String json) {
    Policy cached = PARSED.get(json);
    if (cached == null) {
      cached = PolicyCodec.parse(json);
      PARSED.put(json, cached);
    }
    return cached;
  }

  /** How long an agreement lasts when its policy names no end date. */
  static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

  @Override
  public Verdict judgeRequest(
      String offerJson, String requestJson, PeerIdentity consumer, String purpose, Instant now) {
    Policy offer = parsed(offerJson);
    Policy request;
    try {
      request = parsed(requestJson);
    } catch (PolicyValidationException e) {
      return new Refuse(problems("the requested policy is invalid", e));
    }
    ContainmentResult contained = Containment.contains(offer, request);
    if (!contained.contained()) {
      List<String> why = new ArrayList<>();
      contained.reasons().forEach(r -> why.add(r.toString()));
      NarrowingResult narrowed = Narrowing.narrow(offer, request);
      if (narrowed.policy().isPresent()) {
        Policy counter = narrowed.policy().get();
        List<String> claimProblems = claimProblems(counter, consumer, purpose, now);
        if (claimProblems.isEmpty()) {
          return new Counter(PolicyCodec.toJson(counter), why);
        }
        why.addAll(claimProblems);
        return new Refuse(why);
      }
      narrowed.reasons().forEach(r -> why.add(r.toString()));
      return new Refuse(why);
    }
    List<String> claimProblems = claimProblems(request, consumer, purpose, now);
    if (!claimProblems.isEmpty()) {
      return new Refuse(claimProblems);
    }
    return new Agree(PolicyCodec.canonicalBytes(request), validUntil(request, now));
  }

  @Override
  public Verdict judgeAccepted(
      String offerJson, String counterJson, PeerIdentity consumer, Instant now) {
    Policy offer = parsed(offerJson);
    Policy counter = parsed(counterJson);
    ContainmentResult contained = Containment.contains(offer, counter);
    if (!contained.contained()) {
      return new Refuse(contained.reasons().stream().map(Object::toString).toList());
    }
    // The purpose was checked when the counter-offer was made; time and claims are checked again.
    List<String> problems = claimProblems(counter, consumer, null, now);
    if (!problems.isEmpty()) {
      return new Refuse(problems);
    }
    return new Agree(PolicyCodec.canonicalBytes(counter), validUntil(counter, now));
  }

  @Override
  public Verdict judgeCounter(String counterJson, String acceptableJson) {
    if (acceptableJson == null || acceptableJson.isBlank()) {
      return new Refuse(
          List.of(
              "no acceptable terms were declared, so no counter-offer is accepted (use --accept)"));
    }
    Policy counter;
    Policy acceptable;
    try {
      counter = parsed(counterJson);
      acceptable = parsed(acceptableJson);
    } catch (PolicyValidationException e) {
      return new Refuse(problems("a policy is invalid", e));
    }
    ContainmentResult within = Containment.contains(acceptable, counter);
    if (within.contained()) {
      return new Agree(PolicyCodec.canonicalBytes(counter), Instant.MAX);
    }
    List<String> why = new ArrayList<>();
    within.reasons().forEach(r -> why.add("outside the acceptable terms: " + r));
    return new Refuse(why);
  }

  @Override
  public byte[] canonical(String policyJson) {
    return PolicyCodec.canonicalBytes(parsed(policyJson));
  }

  /**
   * Whether the caller's claims could be granted some use of the offer (its participant, purpose
   * and time constraints), for showing offers in the catalog.
   */
  public static boolean visibleTo(String offerJson, Map<String, Set<String>> claims, Clock clock) {
    Decision d =
        CompiledPolicy.compile(parsed(offerJson))
            .evaluate(Request.builder().claims(claims).clock(clock).unknownFactsMayHold().build());
    return d.permitted();
  }

  /** What the consumer's claims, purpose and the current time fail of {@code policy}. */
  static List<String> claimProblems(
      Policy policy, PeerIdentity consumer, String purpose, Instant now) {
    Request.Builder request =
        Request.builder()
            .claims(consumer.claims())
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .unknownFactsMayHold();
    if (purpose != null && !purpose.isBlank()) {
      request.purpose(purpose);
    }
    Decision d = CompiledPolicy.compile(policy).evaluate(request.build());
    return d.permitted() ? List.of() : d.failures().stream().map(Object::toString).toList();
  }

  static Instant validUntil(Policy policy, Instant now) {
    return PolicyTerms.of(policy).validUntil().orElse(now.plus(DEFAULT_VALIDITY));
  }

  private static List<String> problems(String what, PolicyValidationException e) {
    List<String> out = new ArrayList<>();
    out.add(what + ":");
    e.problems().forEach(p -> out.add(p.toString()));
    return out;
  }
}
