package io.sluice.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParticipantIdTest {
  @Test
  void parsesOnlyTheExactSluiceForm() {
    assertThat(ParticipantId.parseUri("sluice://health/insurer-a"))
        .isEqualTo(new ParticipantId("health", "insurer-a"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://health/insurer-a",
        "sluice://health/a/b",
        "sluice://health/",
        "sluice://Health/a",
        "sluice://health/a?x=1",
        "sluice://u@health/a",
        "sluice://health:8080/a",
        "sluice://health/a#f",
        "sluice:///a"
      })
  void rejectsAnythingElse(String uri) {
    assertThatThrownBy(() -> ParticipantId.parseUri(uri)).hasMessageContaining("malformed");
  }

  @Test
  void claimsExtensionRoundTrips() {
    var claims =
        ClaimsExtension.validated(
            List.of("b-role", "a-role"), Map.of("z", "1", "industry", "insurance"));
    var decoded = ClaimsExtension.decode(ClaimsExtension.encode(claims));
    assertThat(decoded).isEqualTo(claims);
    assertThat(decoded.roles()).containsExactly("a-role", "b-role");
  }

  @Test
  void malformedClaimsAreRefused() {
    assertThatThrownBy(() -> ClaimsExtension.decode(new byte[] {0x30, 0x03, 0x02, 0x01, 0x02}))
        .hasMessageContaining("malformed claims");
  }
}
