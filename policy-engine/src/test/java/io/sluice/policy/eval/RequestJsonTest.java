package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RequestJsonTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void readsTheComputationsKeyColumnsInCanonicalForm() {
    Request r =
        RequestJson.parse(
            "{\"computation\":{\"kind\":\"psi-label\",\"keyColumns\":\"national_id:UPPER,"
                + " visit_date\"}}",
            CLOCK);

    assertThat(r.computation().orElseThrow().keyColumns()).contains("national_id:upper,visit_date");
  }

  @Test
  void reportsAnInvalidKeyWithItsPointer() {
    assertThatThrownBy(
            () ->
                RequestJson.parse(
                    "{\"computation\":{\"kind\":\"psi\",\"keyColumns\":\"a:title\"}}", CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "/computation/keyColumns: invalid key columns 'a:title': unknown case rule 'title' in"
                + " sluice:keyColumns; use preserve, lower or upper");
    assertThatThrownBy(
            () ->
                RequestJson.parse(
                    "{\"computation\":{\"kind\":\"psi\",\"keyColumns\":[\"a\",\"b\"]}}", CLOCK))
        .hasMessage("/computation/keyColumns: expected a non-empty string");
  }

  @Test
  void readsTheViolatedDuties() {
    Request r =
        RequestJson.parse(
            "{\"violatedDuties\":[{\"duty\":\"/permission/0/duty/0\",\"reason\":\"kept\"},"
                + "{\"duty\":\"/permission/1/duty/0\",\"reason\":\"not informed\"}]}",
            CLOCK);

    assertThat(r.violatedDuties())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of(
                "/permission/0/duty/0", "kept", "/permission/1/duty/0", "not informed"));
  }

  @Test
  void reportsMalformedViolatedDutiesWithTheirPointers() {
    assertThatThrownBy(
            () ->
                RequestJson.parse(
                    "{\"violatedDuties\":[{\"duty\":\"/permission/0/duty/0\",\"why\":\"x\"},"
                        + "\"/permission/0/duty/0\",{\"duty\":3,\"reason\":\" \"}]}",
                    CLOCK))
        .hasMessage(
            String.join(
                "\n",
                "/violatedDuties/0/why: unknown property",
                "/violatedDuties/0: needs a reason",
                "/violatedDuties/1: an object {\"duty\": pointer, \"reason\": text}",
                "/violatedDuties/2/duty: expected a non-empty string",
                "/violatedDuties/2/reason: expected a non-empty string"));
    assertThatThrownBy(() -> RequestJson.parse("{\"violatedDuties\":{}}", CLOCK))
        .hasMessageStartingWith("/violatedDuties: an array");
  }
}
