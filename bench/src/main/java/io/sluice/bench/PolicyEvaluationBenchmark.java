package io.sluice.bench;

import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Request;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per decision for a compiled policy with ten constraints (one of each kind a Sluice
 * offer uses), on the permit path (no allocation) and on the deny path (reasons are built).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PolicyEvaluationBenchmark {
  static final String POLICY =
      """
      {
        "@type": "Offer",
        "uid": "urn:bench:offer",
        "assigner": "sluice://bench/provider",
        "target": "urn:bench:dataset",
        "permission": [{
          "action": "use",
          "constraint": [
            {"leftOperand": "sluice:participant.role", "operator": "isAnyOf",
             "rightOperand": ["commercial-insurer", "hospital"]},
            {"leftOperand": "purpose", "operator": "eq", "rightOperand": "claims-settlement"},
            {"leftOperand": "sluice:computation", "operator": "isA", "rightOperand": "psi"},
            {"leftOperand": "sluice:outputColumns", "operator": "isPartOf",
             "rightOperand": ["settled_amount", "settlement_date"]},
            {"leftOperand": "sluice:inputRows", "operator": "lteq", "rightOperand": 1000000},
            {"leftOperand": "dateTime", "operator": "lteq",
             "rightOperand": {"@value": "2027-12-31T23:59:59Z", "@type": "xsd:dateTime"}},
            {"leftOperand": "count", "operator": "lteq", "rightOperand": 30},
            {"leftOperand": "sluice:minResultGroupSize", "operator": "gteq", "rightOperand": 5},
            {"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": "EU"},
            {"leftOperand": "sluice:epsilon", "operator": "lteq", "rightOperand": 1.0}
          ],
          "duty": [{"action": "delete", "constraint": [{"leftOperand": "sluice:retention",
            "operator": "lteq", "rightOperand": {"@value": "P30D", "@type": "xsd:duration"}}]}]
        }]
      }
      """;

  CompiledPolicy compiled;
  Request permitted;
  Request permittedSystemClock;
  Request denied;

  @Setup
  public void setUp() {
    Policy policy = PolicyCodec.parse(POLICY);
    compiled = CompiledPolicy.compile(policy);
    Computation computation =
        Computation.of("psi-label")
            .withInputRows(250_000)
            .withOutputColumns("settled_amount")
            .withMinGroupSize(10)
            .withEpsilon(0.5);
    Request.Builder base =
        Request.builder()
            .target("urn:bench:dataset")
            .claim("participant", "sluice://bench/insurer")
            .claim("role", "commercial-insurer", "auditor")
            .purpose("claims-settlement")
            .region("DE")
            .useCount(3)
            .computation(computation)
            .clock(Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC));
    permitted = base.build();
    permittedSystemClock = base.clock(Clock.systemUTC()).build();
    denied =
        base.clock(Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC))
            .purpose("marketing")
            .useCount(40)
            .computation(computation.withInputRows(5_000_000))
            .build();
    if (!compiled.evaluate(permitted).permitted()
        || !compiled.evaluate(permittedSystemClock).permitted()
        || compiled.evaluate(denied).failures().size() != 3) {
      throw new IllegalStateException("benchmark requests do not decide as intended");
    }
  }

  /** The permit path with a fixed clock: ten constraints, no allocation. */
  @Benchmark
  public Decision permit() {
    return compiled.evaluate(permitted);
  }

  /** The permit path reading the system clock, as a node does. */
  @Benchmark
  public Decision permitSystemClock() {
    return compiled.evaluate(permittedSystemClock);
  }

  /** The deny path: three constraints fail and their reasons are built. */
  @Benchmark
  public Decision deny() {
    return compiled.evaluate(denied);
  }
}
