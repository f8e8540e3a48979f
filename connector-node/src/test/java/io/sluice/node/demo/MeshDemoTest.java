package io.sluice.node.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, end to end: node processes, mTLS, live revocation, clean exit. */
class MeshDemoTest {
  @TempDir Path dir;

  @Test
  void meshAuthenticatesEveryoneThenRefusesTheRevokedNode() {
    StringWriter narration = new StringWriter();
    MeshDemo.Result result = new MeshDemo(new PrintWriter(narration, true)).run(dir, 3);

    assertThat(result.before().get("fund").get("oem")).isEqualTo("fund");
    assertThat(result.before().get("oem").get("insurer-a")).isEqualTo("oem");
    assertThat(result.revoked()).isEqualTo("oem");
    assertThat(result.after().get("fund").get("oem")).isEqualTo("refused");
    assertThat(result.after().get("oem").get("fund")).isEqualTo("refused");
    assertThat(result.after().get("fund").get("insurer-a")).isEqualTo("fund");
    assertThat(result.exitCodes())
        .containsOnlyKeys("fund", "insurer-a", "oem")
        .allSatisfy((k, v) -> assertThat(v).isZero());
    assertThat(narration.toString()).contains("revokes oem").contains("caller\\callee");
  }

  @Test
  void checkFlagsAnUnexpectedCell() {
    var before =
        java.util.Map.of(
            "a", java.util.Map.of("a", "-", "b", "a"), "b", java.util.Map.of("a", "b", "b", "-"));
    var after =
        java.util.Map.of(
            "a", java.util.Map.of("a", "-", "b", "a"), "b", java.util.Map.of("a", "b", "b", "-"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MeshDemo.check(before, after, "b"))
        .hasMessageContaining("after revocation");
  }
}
