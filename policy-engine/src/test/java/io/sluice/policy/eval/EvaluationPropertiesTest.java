package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyGenerators;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

class EvaluationPropertiesTest {
  @Provide
  Arbitrary<Policy> policies() {
    return PolicyGenerators.policy();
  }

  @Provide
  Arbitrary<List<Request>> requests() {
    return PolicyGenerators.request().list().ofSize(40);
  }

  @Property(tries = 300)
  void evaluationIsDeterministic(
      @ForAll("policies") Policy policy, @ForAll("requests") List<Request> requests) {
    CompiledPolicy compiled = CompiledPolicy.compile(policy);
    CompiledPolicy recompiled =
        CompiledPolicy.compile(PolicyCodec.parse(PolicyCodec.toJson(policy)));
    for (Request r : requests) {
      Decision first = compiled.evaluate(r);
      assertThat(compiled.evaluate(r)).isEqualTo(first);
      assertThat(recompiled.evaluate(r)).isEqualTo(first);
    }
  }

  @Property(tries = 500)
  void compiledEvaluatorAgreesWithTheReferenceSemantics(
      @ForAll("policies") Policy policy, @ForAll("requests") List<Request> requests) {
    CompiledPolicy compiled = CompiledPolicy.compile(policy);
    int permits = 0;
    for (Request r : requests) {
      Decision d = compiled.evaluate(r);
      assertThat(d.permitted())
          .as("policy %s%nrequest %s%ndecision %s", policy, describe(r), d)
          .isEqualTo(ReferenceEvaluator.permits(policy, r));
      permits += d.permitted() ? 1 : 0;
    }
    Statistics.collect(permits > 0 ? "some permitted" : "none permitted");
  }

  @Property(tries = 200)
  void everyDenyHasAReasonWithAPointerIntoThePolicy(
      @ForAll("policies") Policy policy, @ForAll("requests") List<Request> requests) {
    CompiledPolicy compiled = CompiledPolicy.compile(policy);
    for (Request r : requests) {
      Decision d = compiled.evaluate(r);
      if (!d.permitted()) {
        assertThat(d.failures()).isNotEmpty();
        for (Failure f : d.failures()) {
          assertThat(f.message()).isNotBlank();
          assertThat(f.pointer())
              .satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith("/"));
        }
      } else {
        assertThat(d.failures()).isEmpty();
      }
    }
  }

  static String describe(Request r) {
    return "action="
        + r.action()
        + " target="
        + r.target()
        + " claims="
        + r.claims()
        + " purpose="
        + r.purpose()
        + " region="
        + r.region()
        + " time="
        + r.clock().instant()
        + " uses="
        + r.useCount()
        + " elapsed="
        + r.elapsed()
        + " computation="
        + r.computation();
  }
}
