package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.TestAuthority;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node process per data directory: a second {@code node start} on the directory of a running
 * node — in another process, or in the same one — is refused with a clear message before it writes
 * anything, and the running node goes on recording with a log that verifies.
 */
class DataDirLockTest {
  @TempDir Path dir;

  @Test
  void aSecondStartOnARunningNodesDataDirectoryIsRefusedBeforeItWritesAnything() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    Path config = TestNodes.provision(ca, dir, "fund", List.of("medical-insurance-fund"), null);
    try (SluiceNode running = TestNodes.start(config)) {
      long before = size(running);

      // another process, with the very same configuration (so also the same, busy, port)
      Process second = startProcess(config);
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the second start gave up").isTrue();
      String err = new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(second.exitValue()).as(err).isEqualTo(2);
      assertThat(err)
          .contains("dataDir: the data directory")
          .contains("is in use by another node process (pid " + ProcessHandle.current().pid())
          .doesNotContain("already in use") // refused for the directory, before the port
          .doesNotContain("Exception");

      // and in this process
      assertThatThrownBy(() -> TestNodes.start(config))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
                assertThat(e.getMessage()).contains("in use by another node process");
              });

      // Nothing of either attempt reached the running node's log, which still records.
      assertThat(size(running)).isEqualTo(before);
      long seq =
          running
              .audit()
              .append(
                  AuditEvent.builder(EventType.CONFIG_CHANGED)
                      .time(Instant.now())
                      .actor("fund")
                      .build())
              .get(30, TimeUnit.SECONDS);
      assertThat(seq).isEqualTo(before);
      assertThat(
              running.audit().store().entries(0, 1000).stream()
                  .filter(e -> e.event().type() == EventType.NODE_STARTED)
                  .count())
          .isEqualTo(1);
      CliRunner.Result verify = CliRunner.run("audit", "verify", "--config", config.toString());
      assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    }
    // Once it stopped, the directory is free again.
    try (SluiceNode again = TestNodes.start(config)) {
      assertThat(again.audit().size()).isPositive();
    }
  }

  private static long size(SluiceNode node) {
    node.audit().flush().join();
    return node.audit().size();
  }

  private static Process startProcess(Path config) throws IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-cp",
            NodeProcess.absoluteClassPath(),
            "io.sluice.node.cli.SluiceCli",
            "node",
            "start",
            "--config",
            config.toAbsolutePath().toString())
        .directory(config.getParent().toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }
}
