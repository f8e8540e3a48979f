package io.sluice.node.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditVerifyCliTest {
  @TempDir Path dir;

  @Test
  void verifiesAnUntouchedLogAndNamesTheFirstEditedEntry() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    Path config = TestNodes.provision(ca, dir, "fund", List.of("medical-insurance-fund"), null);
    for (int i = 0; i < 3; i++) {
      try (SluiceNode node = TestNodes.start(config)) {
        node.audit().flush().join();
      }
    }
    CliRunner.Result ok = CliRunner.run("audit", "verify", "--config", config.toString());
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("verifies").contains("6 entries");

    try (var c =
            DriverManager.getConnection("jdbc:sqlite:" + config.resolveSibling("data/node.db"));
        var s = c.createStatement()) {
      s.executeUpdate("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2");
    }
    CliRunner.Result bad = CliRunner.run("audit", "verify", "--config", config.toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.out()).contains("DOES NOT VERIFY").contains("2");
  }
}
