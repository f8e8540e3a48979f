package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.identity.TestAuthority;
import io.sluice.node.TestNodes;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configurations: one clear line each (file, line, field), exit code 2, no stack trace. */
class NodeStartConfigErrorsTest {
  @TempDir Path dir;
  Path config;

  @BeforeEach
  void provision() {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    config =
        TestNodes.provision(
            ca, dir, "fund", List.of("medical-insurance-fund"), "right".toCharArray());
  }

  private Cli start() {
    return Cli.run("node", "start", "--config", config.toString());
  }

  private static void assertOneClearError(Cli r, String... fragments) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("sluice: ").doesNotContain("Exception").doesNotContain("\tat ");
    for (String f : fragments) {
      assertThat(r.err()).contains(f);
    }
  }

  private void edit(String from, String to) throws Exception {
    String yaml = Files.readString(config);
    assertThat(yaml).contains(from);
    Files.writeString(config, yaml.replace(from, to));
  }

  @Test
  void missingField() throws Exception {
    String yaml = Files.readString(config);
    Files.writeString(config, yaml.replaceAll("(?m)^  crl: .*\\n", ""));
    assertOneClearError(start(), "node.yaml:4: identity.crl: missing required field");
  }

  @Test
  void unknownField() throws Exception {
    edit("dataDir: data", "dataDir: data\nlisten_port: 7000");
    assertOneClearError(start(), "node.yaml:11: listen_port: unknown field");
  }

  @Test
  void negativeCrlGrace() throws Exception {
    edit("key: node.key", "key: node.key\n  crlGraceSeconds: -5");
    assertOneClearError(start(), "node.yaml:7: identity.crlGraceSeconds:", "0 or more");
  }

  @Test
  void missingKeyFile() throws Exception {
    edit("key: node.key", "key: missing.key");
    assertOneClearError(start(), "identity.key: file", "missing.key does not exist");
  }

  @Test
  void unreadableKey() throws Exception {
    Files.writeString(config.resolveSibling("node.key"), "this is not a PEM key\n");
    assertOneClearError(start(), "node.yaml:6: identity.key:", "expected one private key");
  }

  @Test
  void wrongPassphrase() throws Exception {
    Files.writeString(config.resolveSibling("passphrase"), "wrong\n");
    assertOneClearError(start(), "identity.key:", "wrong passphrase");
  }

  @Test
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      edit("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + taken.getLocalPort());
      assertOneClearError(
          start(),
          "node.yaml:3: listen: address 127.0.0.1:" + taken.getLocalPort() + " is already in use");
    }
  }

  @Test
  void notYaml() throws Exception {
    Files.writeString(config, "participant: [unclosed\n");
    assertOneClearError(start(), "node.yaml:2: not valid YAML: expected ',' or ']'");
  }

  @Test
  void missingConfigFile() {
    config = dir.resolve("nope.yaml");
    assertOneClearError(start(), "nope.yaml: cannot read the configuration file (no such file)");
  }

  @Test
  void wrongSpace() throws Exception {
    edit("space: health", "space: automotive");
    assertOneClearError(
        start(), "space: the authority", "is for data space 'health', not 'automotive'");
  }

  @Test
  void resultsSweepIntervalMustBePositive() throws Exception {
    edit("dataDir: data", "dataDir: data\nresults:\n  graceSeconds: 0\n  sweepIntervalSeconds: 0");
    assertOneClearError(
        start(), "node.yaml:13: results.sweepIntervalSeconds: expected a positive whole number");
  }

  @Test
  void resultsGraceMustNotBeNegative() throws Exception {
    edit("dataDir: data", "dataDir: data\nresults: {graceSeconds: -1}");
    assertOneClearError(
        start(), "node.yaml:11: results.graceSeconds: expected a whole number, 0 or more");
  }

  @Test
  void resultsIsAMapping() throws Exception {
    edit("dataDir: data", "dataDir: data\nresults: 60");
    assertOneClearError(start(), "node.yaml:11: results: expected a mapping");
  }

  @Test
  void negotiationRetryWindowMustBePositive() throws Exception {
    edit("dataDir: data", "dataDir: data\nnegotiation:\n  retryWindowSeconds: 0");
    assertOneClearError(
        start(), "node.yaml:12: negotiation.retryWindowSeconds: expected a positive whole number");
  }

  @Test
  void negotiationBackOffMustNotShrink() throws Exception {
    edit(
        "dataDir: data",
        "dataDir: data\nnegotiation: {retryInitialMillis: 5000, retryMaxMillis: 1000}");
    assertOneClearError(
        start(),
        "node.yaml:11: negotiation.retryMaxMillis: must not be below negotiation.retryInitialMillis");
  }

  @Test
  void aProviderMustNotGiveUpBeforeTheConsumerDoes() throws Exception {
    edit(
        "dataDir: data",
        "dataDir: data\nnegotiation: {retryWindowSeconds: 900, agreedTimeoutSeconds: 600}");
    assertOneClearError(
        start(),
        "negotiation.agreedTimeoutSeconds: must not be below negotiation.retryWindowSeconds");
  }

  @Test
  void negotiationIsAMapping() throws Exception {
    edit("dataDir: data", "dataDir: data\nnegotiation: 600");
    assertOneClearError(start(), "node.yaml:11: negotiation: expected a mapping");
  }
}
