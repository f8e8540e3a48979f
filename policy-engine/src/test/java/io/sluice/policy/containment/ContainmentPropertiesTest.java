package io.sluice.policy.containment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyGenerators;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Request;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.statistics.Statistics;

class ContainmentPropertiesTest {

  /** Pairs where the request is often, but not always, contained in the offer. */
  @Provide
  Arbitrary<Tuple2<Policy, Policy>> offerAndRequest() {
    Arbitrary<Tuple2<Policy, Policy>> narrower =
        PolicyGenerators.policy()
            .flatMap(o -> PolicyGenerators.narrowerThan(o).map(q -> Tuple.of(o, q)));
    Arbitrary<Tuple2<Policy, Policy>> independent =
        Combinators.combine(PolicyGenerators.policy(), PolicyGenerators.policy()).as(Tuple::of);
    Arbitrary<Tuple2<Policy, Policy>> swapped = narrower.map(t -> Tuple.of(t.get2(), t.get1()));
    return Arbitraries.frequencyOf(
        Tuple.of(3, narrower), Tuple.of(2, independent), Tuple.of(2, swapped));
  }

  @Provide
  Arbitrary<List<Request>> requests() {
    return PolicyGenerators.request().list().ofSize(60);
  }

  @Property(tries = 400)
  void containmentIsSound(
      @ForAll("offerAndRequest") Tuple2<Policy, Policy> pair,
      @ForAll("requests") List<Request> requests) {
    Policy offer = pair.get1();
    Policy request = pair.get2();
    ContainmentResult result = Containment.contains(offer, request);
    Statistics.collect(result.contained() ? "contained" : "not contained");
    // The property says little unless containment holds often enough.
    Statistics.coverage(c -> c.check("contained").percentage(p -> p > 25));
    if (!result.contained()) {
      assertThat(result.reasons()).isNotEmpty();
      return;
    }
    CompiledPolicy offered = CompiledPolicy.compile(offer);
    CompiledPolicy requested = CompiledPolicy.compile(request);
    int permitted = 0;
    for (Request r : requests) {
      Decision asked = requested.evaluate(r);
      if (asked.permitted()) {
        permitted++;
        Decision allowed = offered.evaluate(r);
        assertThat(allowed.permitted())
            .as(
                "contained, yet permitted by the request and denied by the offer:%n"
                    + "offer %s%nrequest %s%nwhy %s",
                offer, request, allowed)
            .isTrue();
      }
    }
    Statistics.label("requests permitted").collect(permitted > 0 ? "some" : "none");
  }

  @Property(tries = 200)
  void addingConstraintsToAnOfferKeepsItContained(
      @ForAll("narrowerPairs") Tuple2<Policy, Policy> pair) {
    assertThat(Containment.contains(pair.get1(), pair.get2()).contained()).isTrue();
  }

  @Provide
  Arbitrary<Tuple2<Policy, Policy>> narrowerPairs() {
    return PolicyGenerators.policy()
        .flatMap(o -> PolicyGenerators.narrowerThan(o).map(q -> Tuple.of(o, q)));
  }

  @Property(tries = 200)
  void everyPolicyContainsItself(@ForAll("policies") Policy policy) {
    assertThat(Containment.contains(policy, policy).contained()).isTrue();
  }

  @Provide
  Arbitrary<Policy> policies() {
    return PolicyGenerators.policy();
  }

  @Property(tries = 300)
  void narrowedPolicyIsContainedInBothAndPermitsOnlyWhatBothPermit(
      @ForAll("offerAndRequest") Tuple2<Policy, Policy> pair,
      @ForAll("requests") List<Request> requests) {
    Policy offer = pair.get1();
    Policy acceptable = pair.get2();
    NarrowingResult result = Narrowing.narrow(offer, acceptable);
    Statistics.collect(result.narrowed() ? "narrowed" : "no agreement");
    Statistics.coverage(c -> c.check("narrowed").percentage(p -> p > 25));
    if (!result.narrowed()) {
      assertThat(result.reasons()).isNotEmpty();
      return;
    }
    Policy narrowed = result.policy().orElseThrow();
    assertThat(Containment.contains(offer, narrowed).contained()).isTrue();
    assertThat(Containment.contains(acceptable, narrowed).contained()).isTrue();
    CompiledPolicy n = CompiledPolicy.compile(narrowed);
    CompiledPolicy o = CompiledPolicy.compile(offer);
    CompiledPolicy a = CompiledPolicy.compile(acceptable);
    for (Request r : requests) {
      if (n.evaluate(r).permitted()) {
        assertThat(o.evaluate(r).permitted()).as("offer permits %s", narrowed).isTrue();
        assertThat(a.evaluate(r).permitted()).as("acceptable permits %s", narrowed).isTrue();
      }
    }
  }
}
