package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Request;
import io.sluice.policy.eval.RequestJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExamplePoliciesTest {
  static final List<String> EXAMPLES =
      List.of("claims-matching-offer.json", "auto-aggregation-offer.json", "cleanroom-offer.json");

  static Stream<String> examples() {
    return EXAMPLES.stream();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void shippedExampleIsIdenticalToTheDeployCopy(String name) throws IOException {
    byte[] resource = RepoFiles.example(name).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] deployed = Files.readAllBytes(RepoFiles.root().resolve("deploy/policies").resolve(name));
    assertThat(deployed).isEqualTo(resource);
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleParsesAndWritesBackTheSameDocument(String name) throws Exception {
    String json = RepoFiles.example(name);
    Policy policy = PolicyCodec.parse(json);
    assertThat(JsonText.read(PolicyCodec.toJson(policy))).isEqualTo(JsonText.read(json));
    assertThat(PolicyCodec.parse(PolicyCodec.toJson(policy))).isEqualTo(policy);
  }

  @ParameterizedTest
  @ValueSource(strings = {"claims-matching", "auto-aggregation", "cleanroom"})
  void permittedExampleRequestIsPermittedAndDeniedOneIsDenied(String name) {
    Policy offer = PolicyCodec.parse(RepoFiles.example(name + "-offer.json"));
    CompiledPolicy compiled = CompiledPolicy.compile(offer);
    Clock unused = Clock.fixed(Instant.parse("2000-01-01T00:00:00Z"), ZoneOffset.UTC);
    Path requests = RepoFiles.root().resolve("deploy/policies/requests");

    Request permitted =
        RequestJson.parse(RepoFiles.read(requests.resolve(name + "-permitted.json")), unused);
    Request denied =
        RequestJson.parse(RepoFiles.read(requests.resolve(name + "-denied.json")), unused);

    Decision permit = compiled.evaluate(permitted);
    Decision deny = compiled.evaluate(denied);
    assertThat(permit.permitted()).as(permit.toString()).isTrue();
    assertThat(permit.duties()).isNotEmpty();
    assertThat(deny.permitted()).isFalse();
    assertThat(deny.failures()).hasSizeGreaterThanOrEqualTo(2);
  }
}
