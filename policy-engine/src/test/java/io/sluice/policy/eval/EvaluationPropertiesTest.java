package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyGenerators;
import io.sluice.testing.Property;
import io.sluice.testing.Property.Gen;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationPropertiesTest {

  /** A policy and 40 requests, some of which report violated duties. */
  record Case(Policy policy, List<Request> requests) {
    static Case of(Gen g) {
      return new Case(
          PolicyGenerators.policy(g), g.list(40, 40, PolicyGenerators::requestWithDutyStates));
    }
  }

  @Test
  void evaluationIsDeterministic() {
    Property.forAll(
        300,
        Case::of,
        c -> {
          CompiledPolicy compiled = CompiledPolicy.compile(c.policy());
          CompiledPolicy recompiled =
              CompiledPolicy.compile(PolicyCodec.parse(PolicyCodec.toJson(c.policy())));
          for (Request r : c.requests()) {
            Decision first = compiled.evaluate(r);
            assertThat(compiled.evaluate(r)).isEqualTo(first);
            assertThat(recompiled.evaluate(r)).isEqualTo(first);
          }
        });
  }

  @Test
  void compiledEvaluatorAgreesWithTheReferenceSemantics() {
    int[] somePermitted = {0};
    int[] dutyDecided = {0};
    int tries =
        Property.forAll(
            500,
            Case::of,
            c -> {
              CompiledPolicy compiled = CompiledPolicy.compile(c.policy());
              boolean permits = false;
              boolean byDuty = false;
              for (Request r : c.requests()) {
                Decision d = compiled.evaluate(r);
                assertThat(d.permitted())
                    .as("policy %s%nrequest %s%ndecision %s", c.policy(), r, d)
                    .isEqualTo(ReferenceEvaluator.permits(c.policy(), r));
                permits |= d.permitted();
                byDuty |= d.permitted() != ReferenceEvaluator.permits(c.policy(), r, false);
              }
              somePermitted[0] += permits ? 1 : 0;
              dutyDecided[0] += byDuty ? 1 : 0;
            });
    Property.assertCoverage("some request permitted", somePermitted[0], tries, 25);
    Property.assertCoverage("a violated duty decided", dutyDecided[0], tries, 3);
  }

  @Test
  void everyDenyHasAReasonWithAPointerIntoThePolicy() {
    Property.forAll(
        200,
        Case::of,
        c -> {
          CompiledPolicy compiled = CompiledPolicy.compile(c.policy());
          for (Request r : c.requests()) {
            Decision d = compiled.evaluate(r);
            if (!d.permitted()) {
              assertThat(d.failures()).isNotEmpty();
              for (Failure f : d.failures()) {
                assertThat(f.message()).isNotBlank();
                assertThat(f.pointer())
                    .satisfiesAnyOf(
                        p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith("/"));
              }
            } else {
              assertThat(d.failures()).isEmpty();
            }
          }
        });
  }

  @Test
  void aDenialByAViolatedDutyNamesThatDuty() {
    Property.forAll(
        300,
        Case::of,
        c -> {
          CompiledPolicy compiled = CompiledPolicy.compile(c.policy());
          for (Request r : c.requests()) {
            Decision d = compiled.evaluate(r);
            if (!d.permitted() && ReferenceEvaluator.permits(c.policy(), r, false)) {
              assertThat(d.failures())
                  .as("%s%n%s", c.policy(), r)
                  .anySatisfy(
                      f -> {
                        assertThat(r.violatedDuties()).containsKey(f.pointer());
                        assertThat(f.expected()).startsWith("duty ").endsWith(" fulfilled");
                        assertThat(f.actual()).isEqualTo(r.violatedDuties().get(f.pointer()));
                      });
            }
          }
        });
  }
}
