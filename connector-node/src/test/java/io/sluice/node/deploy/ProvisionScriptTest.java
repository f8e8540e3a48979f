package io.sluice.node.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.jdbcurlresolver.PgPassParser;

/**
 * deploy/compose/provision.sh, run for real with {@code sh} outside a container: the container's
 * paths become temporary directories and {@code sluice} is this build's CLI on the test classpath.
 * The node.yaml files it writes are loaded with the real {@link NodeConfigLoader}, and nodes are
 * started from the identities it made.
 */
class ProvisionScriptTest {
  static final Path SCRIPT = DeployFiles.deploy("compose/provision.sh");
  static final String POSTGRES_PASSWORD = "pa:ss\\word";

  @TempDir static Path dir;
  static Path keys;
  static Path secrets;
  static Run firstRun;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void provisionOnce() throws Exception {
    keys = dir.resolve("keys");
    secrets = dir.resolve("secrets");
    writeSecrets(secrets, List.of("authority", "fund", "insurer", "oem"));
    firstRun = provision(keys, secrets);
  }

  static void writeSecrets(Path secretsDir, List<String> owners) throws IOException {
    Files.createDirectories(secretsDir);
    for (String owner : owners) {
      Files.writeString(secretsDir.resolve(owner + "_passphrase"), owner + " passphrase 0123");
    }
    Files.writeString(secretsDir.resolve("postgres_password"), POSTGRES_PASSWORD + "\n");
  }

  @Test
  void isSyntacticallyValidPosixSh() throws Exception {
    assertThat(run(List.of("sh", "-n", SCRIPT.toString()), Map.of()).exit()).isZero();
    // the check itself can fail
    Path broken = dir.resolve("broken.sh");
    Files.writeString(broken, "if true; then\n  echo missing fi\n");
    assertThat(run(List.of("sh", "-n", broken.toString()), Map.of()).exit()).isNotZero();
  }

  @Test
  void provisionsTheAuthorityAndThreeNodes() {
    assertThat(firstRun.exit()).as(firstRun.err()).isZero();
    assertThat(firstRun.out()).contains("data space 'mobility-health' is ready");
    for (String f : List.of("authority.key", "authority.crt", "authority.crl")) {
      assertThat(authority(keys).resolve(f)).isRegularFile();
    }
    for (String node : ComposeFileTest.NODES) {
      for (String f : List.of("node.key", "node.crt", "node.yaml", "pgpass")) {
        assertThat(keys.resolve(node).resolve(f)).isRegularFile();
      }
    }
  }

  @Test
  void noNodeVolumeHoldsTheAuthoritysKey() throws IOException {
    // What the nodes mount: the trust directory and each its own keys directory.
    try (Stream<Path> trust = Files.list(trust(keys))) {
      assertThat(trust.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("authority.crt", "authority.crl");
    }
    assertThat(Files.readAllBytes(trust(keys).resolve("authority.crl")))
        .isEqualTo(Files.readAllBytes(authority(keys).resolve("authority.crl")));
    try (Stream<Path> all = Files.walk(keys)) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .doesNotContain("authority.key")
          .doesNotContain("authority");
    }
    for (String node : ComposeFileTest.NODES) {
      try (Stream<Path> files = Files.list(keys.resolve(node))) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("node.key", "node.csr", "node.crt", "node.yaml", "pgpass");
      }
    }
  }

  @Test
  void aReSignedCrlReachesTheTrustDirectoryOnTheNextRun() throws Exception {
    Path otherKeys = dir.resolve("crl-keys");
    assertThat(provision(otherKeys, secrets).exit()).isZero();
    byte[] first = Files.readAllBytes(trust(otherKeys).resolve("authority.crl"));
    CliRunner.Result crl =
        CliRunner.run(
            "authority",
            "crl",
            "--dir",
            authority(otherKeys).toString(),
            "--days",
            "7",
            "--passphrase-file",
            secrets.resolve("authority_passphrase").toString());
    assertThat(crl.exitCode()).as(crl.err()).isZero();
    Run again = provision(otherKeys, secrets);
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("copied authority.crl");
    byte[] second = Files.readAllBytes(trust(otherKeys).resolve("authority.crl"));
    assertThat(second)
        .isNotEqualTo(first)
        .isEqualTo(Files.readAllBytes(authority(otherKeys).resolve("authority.crl")));
  }

  /** Where provision.sh keeps the authority for a keys directory (see {@link #provision}). */
  static Path authority(Path keysDir) {
    return keysDir.resolveSibling(keysDir.getFileName() + "-authority");
  }

  /** The trust directory provision.sh fills for a keys directory. */
  static Path trust(Path keysDir) {
    return keysDir.resolveSibling(keysDir.getFileName() + "-trust");
  }

  @Test
  void nodeYamlFilesLoadWithTheRealLoader() {
    Map<String, String> roles =
        Map.of(
            "fund",
            "medical-insurance-fund",
            "insurer",
            "commercial-insurer",
            "oem",
            "automotive-oem");
    for (String node : ComposeFileTest.NODES) {
      NodeConfig config = NodeConfigLoader.load(keys.resolve(node).resolve("node.yaml"));
      assertThat(config.participant()).isEqualTo(node);
      assertThat(config.space()).isEqualTo("mobility-health");
      assertThat(config.listen()).isEqualTo(new NodeConfig.HostPort("0.0.0.0", 7443));
      assertThat(config.healthListen()).isEqualTo(new NodeConfig.HostPort("0.0.0.0", 8081));
      assertThat(config.store())
          .isEqualTo("jdbc:postgresql://postgres:5432/sluice?user=sluice&currentSchema=" + node);
      assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/sluice/data"));
      assertThat(config.identity().passphraseFile())
          .isEqualTo(secrets.resolve(node + "_passphrase"));
      Map<String, NodeConfig.HostPort> expectedPeers = new TreeMap<>();
      for (String peer : ComposeFileTest.NODES) {
        if (!peer.equals(node)) {
          expectedPeers.put(peer, new NodeConfig.HostPort(peer, 7443));
        }
      }
      assertThat(new TreeMap<>(config.peers())).isEqualTo(expectedPeers);

      PeerIdentity identity =
          PeerIdentity.fromCertificate(PemFiles.readCertificate(config.identity().cert()));
      assertThat(identity.participant()).isEqualTo(node);
      assertThat(identity.roles()).containsExactly(roles.get(node));
    }
  }

  @Test
  void storePasswordIsInThePgpassFileTheJdbcDriverReads() {
    String property = "org.postgresql.pgpassfile";
    String before = System.getProperty(property);
    try {
      for (String node : ComposeFileTest.NODES) {
        System.setProperty(property, keys.resolve(node).resolve("pgpass").toString());
        // what pgjdbc looks up for the store URL of node.yaml, which has no password
        assertThat(PgPassParser.getPassword("postgres", "5432", "sluice", "sluice"))
            .isEqualTo(POSTGRES_PASSWORD);
        assertThat(PgPassParser.getPassword("postgres", "5432", "sluice", "other")).isNull();
      }
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  @Test
  void keysAndConfigurationAreReadableByTheirOwnerOnly() throws IOException {
    for (String node : ComposeFileTest.NODES) {
      for (String f : List.of("node.key", "node.yaml", "pgpass")) {
        assertThat(
                PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(keys.resolve(node).resolve(f))))
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void provisionedNodesStartAndAuthenticateEachOther() throws Exception {
    // The generated files with only what a container provides changed: loopback ports for the
    // service names, SQLite instead of the postgres service, a temporary data directory.
    int fundPort = DemoSpace.freePort();
    int oemPort = DemoSpace.freePort();
    int fundHealth = DemoSpace.freePort();
    Path fund = local("fund", fundPort, fundHealth, Map.of("oem", oemPort));
    Path oem = local("oem", oemPort, DemoSpace.freePort(), Map.of("fund", fundPort));
    try (SluiceNode fundNode = TestNodes.start(fund);
        SluiceNode oemNode = TestNodes.start(oem)) {
      CliRunner.Result health =
          CliRunner.run("node", "health", "--address", "127.0.0.1:" + fundHealth);
      assertThat(health.exitCode()).as(health.err()).isZero();
      assertThat(health.out().strip()).isEqualTo("SERVING");

      CliRunner.Result status =
          CliRunner.run("node", "status", "--config", fund.toString(), "--peer", "oem");
      assertThat(status.exitCode()).as(status.err()).isZero();
      assertThat(status.out())
          .contains("node   sluice://mobility-health/oem (Nordwerk Automotive AG)")
          .contains("roles=[automotive-oem]")
          .contains("caller sluice://mobility-health/fund (National Health Insurance Fund)");
    }
  }

  private static Path local(String node, int port, int healthPort, Map<String, Integer> peers)
      throws IOException {
    Path data = dir.resolve("local").resolve(node);
    Files.createDirectories(data);
    String yaml = Files.readString(keys.resolve(node).resolve("node.yaml"));
    String replaced =
        yaml.replace("listen: 0.0.0.0:7443", "listen: 127.0.0.1:" + port)
            .replace("listen: 0.0.0.0:8081", "listen: 127.0.0.1:" + healthPort)
            .replaceAll("(?m)^store: .*$", "store: jdbc:sqlite:" + data.resolve("node.db"))
            .replaceAll("(?m)^dataDir: .*$", "dataDir: " + data)
            .replaceAll("(?m)^datasetsDir: .*$", "datasetsDir: " + data.resolve("datasets"))
            .replaceAll("(?m)^  (fund|insurer|oem): \\1:7443$", "");
    StringBuilder peerLines = new StringBuilder();
    peers.forEach(
        (id, p) -> peerLines.append("  ").append(id).append(": 127.0.0.1:").append(p).append('\n'));
    replaced = replaced.replace("peers:\n", "peers:\n" + peerLines);
    assertThat(replaced).doesNotContain("0.0.0.0").doesNotContain("postgres");
    Path config = data.resolve("node.yaml");
    Files.writeString(config, replaced);
    return config;
  }

  @Test
  void secondRunChangesNothing() throws Exception {
    Map<Path, String> before = digests(keys);
    Map<Path, String> trustBefore = digests(trust(keys));
    Run again = provision(keys, secrets);
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(digests(trust(keys))).isEqualTo(trustBefore);
    assertThat(again.out())
        .doesNotContain("copied")
        .contains("authority exists")
        .contains("fund: key exists")
        .contains("oem: node.yaml exists")
        // nothing was issued or created: the CLI was not called
        .doesNotContain("issued")
        .doesNotContain("created");
    assertThat(digests(keys)).isEqualTo(before);
  }

  @Test
  void neverOverwritesAnAuthorityEvenWithoutItsCertificate() throws Exception {
    Path otherKeys = dir.resolve("other-keys");
    Files.createDirectories(authority(otherKeys));
    Files.writeString(authority(otherKeys).resolve("authority.key"), "an existing key");
    Run run = provision(otherKeys, secrets);
    assertThat(Files.readString(authority(otherKeys).resolve("authority.key")))
        .isEqualTo("an existing key");
    assertThat(authority(otherKeys).resolve("authority.crt")).doesNotExist();
    // the nodes cannot be issued without a usable authority: the script fails
    assertThat(run.exit()).isNotZero();
  }

  @Test
  void missingSecretFailsBeforeAnythingIsWritten() throws Exception {
    Path partialSecrets = dir.resolve("partial-secrets");
    writeSecrets(partialSecrets, List.of("authority", "fund", "insurer"));
    Path emptyKeys = dir.resolve("untouched-keys");
    Run run = provision(emptyKeys, partialSecrets);
    assertThat(run.exit()).isNotZero();
    assertThat(run.err())
        .contains("oem_passphrase is missing or empty")
        .contains("set SLUICE_OEM_PASSPHRASE");
    assertThat(emptyKeys).doesNotExist();
    assertThat(authority(emptyKeys)).doesNotExist();
  }

  /** Runs provision.sh with {@code sluice} being this build's CLI. */
  static Run provision(Path keysDir, Path secretsDir) throws Exception {
    Path cli = dir.resolve("sluice");
    if (!Files.exists(cli)) {
      Files.writeString(
          cli,
          "#!/bin/sh\nexec \"$SLUICE_TEST_JAVA\" --add-opens=java.base/java.nio=ALL-UNNAMED"
              + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp \"$SLUICE_TEST_CLASSPATH\""
              + " io.sluice.node.cli.SluiceCli \"$@\"\n");
      assertThat(cli.toFile().setExecutable(true)).isTrue();
    }
    return run(
        List.of("sh", SCRIPT.toString()),
        Map.of(
            "SLUICE", cli.toString(),
            "SLUICE_TEST_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "SLUICE_TEST_CLASSPATH", System.getProperty("java.class.path"),
            "SLUICE_KEYS_DIR", keysDir.toString(),
            "SLUICE_AUTHORITY_DIR", authority(keysDir).toString(),
            "SLUICE_TRUST_DIR", trust(keysDir).toString(),
            "SLUICE_SECRETS_DIR", secretsDir.toString()));
  }

  static Run run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE"));
    builder.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Run(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Every file under root with its SHA-256 and modification time. */
  static Map<Path, String> digests(Path root) throws Exception {
    List<Path> regular;
    try (Stream<Path> files = Files.walk(root)) {
      regular = files.filter(Files::isRegularFile).sorted().toList();
    }
    Map<Path, String> out = new TreeMap<>();
    for (Path p : regular) {
      String sha256 =
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
      out.put(root.relativize(p), sha256 + " " + Files.getLastModifiedTime(p).toMillis());
    }
    return out;
  }
}
