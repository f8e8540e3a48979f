package io.sluice.policy.containment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.policy.AtomicConstraint;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyGenerators;
import io.sluice.policy.Rule;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Request;
import io.sluice.testing.Property;
import io.sluice.testing.Property.Gen;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containment is sound over generated policies and requests. Requests report no violated duties
 * here: a duty pointer names a duty of one document, and the offer's and the request's documents
 * number their duties differently.
 */
class ContainmentPropertiesTest {

  /** An offer, a requested (or acceptable) policy, and 60 requests to evaluate both on. */
  record Case(Policy offer, Policy request, List<Request> requests) {}

  /**
   * Pairs where the request is often, but not always, contained in the offer: narrower (always
   * contained), independent, swapped (rarely contained), and siblings that differ in one constraint
   * (contained exactly when that constraint is implied).
   */
  static Case offerAndRequest(Gen g) {
    Policy offer = PolicyGenerators.policy(g);
    List<Request> requests = g.list(60, 60, PolicyGenerators::request);
    return switch (g.weighted(3, 2, 2, 2)) {
      case 0 -> new Case(offer, PolicyGenerators.narrowerThan(g, offer), requests);
      case 1 -> new Case(offer, PolicyGenerators.policy(g), requests);
      case 2 -> new Case(PolicyGenerators.narrowerThan(g, offer), offer, requests);
      default -> new Case(offer, PolicyGenerators.sibling(g, offer), requests);
    };
  }

  /** The containment check under test; a test double may weaken it. */
  interface ContainmentCheck {
    ContainmentResult contains(Policy offer, Policy request);
  }

  @Test
  void containmentIsSound() {
    soundness(Containment::contains, 2000);
  }

  /**
   * The soundness property catches a weakened implication check: each mutant believes that the
   * offer's constraints on one operand are always implied (as if {@code Knowledge.implies} said yes
   * for that operand), which the property must notice as a request the offer denies. About one try
   * in 250 exposes such a mutant (a sibling pair that differs on that operand, and a request that
   * tells them apart); the run stops at the first, and 5000 tries make a miss vanishingly rare.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"purpose", "count", "sluice:keyColumns", "sluice:outputColumns", "dateTime"})
  void soundnessFailsWhenTheImplicationCheckIsWeakened(String operand) {
    assumeTrue(
        Integer.getInteger(Property.TRIES, MUTANT_TRIES) >= 1000,
        "a mutant needs up to "
            + MUTANT_TRIES
            + " tries to be caught; "
            + Property.TRIES
            + " is lower");
    ContainmentCheck weakened =
        (offer, request) -> Containment.contains(without(offer, operand), request);

    assertThatThrownBy(() -> soundness(weakened, MUTANT_TRIES))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("contained, yet permitted by the request and denied by the offer");
  }

  static final int MUTANT_TRIES = 5000;

  private static void soundness(ContainmentCheck check, int defaultTries) {
    int[] contained = {0};
    int tries =
        Property.forAll(
            defaultTries,
            ContainmentPropertiesTest::offerAndRequest,
            c -> {
              ContainmentResult result = check.contains(c.offer(), c.request());
              if (!result.contained()) {
                assertThat(result.reasons()).isNotEmpty();
                return;
              }
              contained[0]++;
              CompiledPolicy offered = CompiledPolicy.compile(c.offer());
              CompiledPolicy requested = CompiledPolicy.compile(c.request());
              for (Request r : c.requests()) {
                if (requested.evaluate(r).permitted()) {
                  Decision allowed = offered.evaluate(r);
                  assertThat(allowed.permitted())
                      .as(
                          "contained, yet permitted by the request and denied by the offer:%n"
                              + "offer %s%nrequested policy %s%nrequest %s%nwhy %s",
                          c.offer(), c.request(), r, allowed)
                      .isTrue();
                }
              }
            });
    // The property says little unless containment holds often enough.
    Property.assertCoverage("contained", contained[0], tries, 25);
  }

  /** The offer without its permissions' top-level constraints on {@code operand}. */
  private static Policy without(Policy offer, String operand) {
    List<Rule> permissions =
        offer.permissions().stream()
            .map(
                p ->
                    p.withConstraints(
                        p.constraints().stream()
                            .filter(
                                c ->
                                    !(c instanceof AtomicConstraint a
                                        && a.leftOperand().equals(operand)))
                            .toList()))
            .toList();
    return offer.toBuilder().permissions(permissions).build();
  }

  @Test
  void addingConstraintsToAnOfferKeepsItContained() {
    Property.forAll(
        200,
        g -> {
          Policy offer = PolicyGenerators.policy(g);
          return new Case(offer, PolicyGenerators.narrowerThan(g, offer), List.of());
        },
        c -> assertThat(Containment.contains(c.offer(), c.request()).contained()).isTrue());
  }

  @Test
  void everyPolicyContainsItself() {
    Property.forAll(
        200,
        PolicyGenerators::policy,
        policy -> assertThat(Containment.contains(policy, policy).contained()).isTrue());
  }

  @Test
  void narrowedPolicyIsContainedInBothAndPermitsOnlyWhatBothPermit() {
    int[] narrowed = {0};
    int tries =
        Property.forAll(
            1000,
            ContainmentPropertiesTest::offerAndRequest,
            c -> {
              NarrowingResult result = Narrowing.narrow(c.offer(), c.request());
              if (!result.narrowed()) {
                assertThat(result.reasons()).isNotEmpty();
                return;
              }
              narrowed[0]++;
              Policy n = result.policy().orElseThrow();
              assertThat(Containment.contains(c.offer(), n).contained()).isTrue();
              assertThat(Containment.contains(c.request(), n).contained()).isTrue();
              assertPermitsOnlyWhatBothPermit(n, c);
            });
    Property.assertCoverage("narrowed", narrowed[0], tries, 25);
  }

  private static void assertPermitsOnlyWhatBothPermit(Policy narrowed, Case c) {
    CompiledPolicy n = CompiledPolicy.compile(narrowed);
    CompiledPolicy o = CompiledPolicy.compile(c.offer());
    CompiledPolicy a = CompiledPolicy.compile(c.request());
    for (Request r : c.requests()) {
      if (n.evaluate(r).permitted()) {
        assertThat(o.evaluate(r).permitted()).as("offer permits %s", narrowed).isTrue();
        assertThat(a.evaluate(r).permitted()).as("acceptable permits %s", narrowed).isTrue();
      }
    }
  }
}
