package io.sluice.node;

import io.sluice.identity.Authority;
import io.sluice.identity.PemFiles;
import io.sluice.identity.TestAuthority;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Writes node directories and configurations for tests (plain keys unless a passphrase is given).
 */
public final class TestNodes {
  private TestNodes() {}

  /** Issues {@code participant}, writes its key, certificate and node.yaml (port 0) under dir. */
  public static Path provision(
      TestAuthority ca, Path dir, String participant, List<String> roles, char[] passphrase) {
    return provision(ca, dir, participant, roles, passphrase, 0, Map.of(), "");
  }

  /**
   * As {@link #provision(TestAuthority, Path, String, List, char[])}, listening on {@code port},
   * with {@code peers} (participant to port on loopback) and extra YAML appended.
   */
  public static Path provision(
      TestAuthority ca,
      Path dir,
      String participant,
      List<String> roles,
      char[] passphrase,
      int port,
      Map<String, Integer> peers,
      String extraYaml) {
    return provision(
        ca, dir, participant, roles, passphrase, port, peers, extraYaml, Duration.ofDays(30));
  }

  /** As above, with a certificate valid for {@code validity} from now. */
  public static Path provision(
      TestAuthority ca,
      Path dir,
      String participant,
      List<String> roles,
      char[] passphrase,
      int port,
      Map<String, Integer> peers,
      String extraYaml,
      Duration validity) {
    var issued =
        TestAuthority.issue(
            participant, roles, Map.of("industry", "testing"), ca.authority, validity);
    Path nodeDir = dir.resolve(participant);
    PemFiles.writePrivateKey(nodeDir.resolve("node.key"), issued.key(), passphrase);
    PemFiles.writeCertificate(nodeDir.resolve("node.crt"), issued.certificate());
    StringBuilder yaml =
        new StringBuilder()
            .append("participant: ")
            .append(participant)
            .append('\n')
            .append("space: ")
            .append(ca.authority.space())
            .append('\n')
            .append("listen: 127.0.0.1:")
            .append(port)
            .append('\n')
            .append("identity:\n")
            .append("  cert: node.crt\n")
            .append("  key: node.key\n");
    if (passphrase != null) {
      PemFiles.writeAtomically(
          nodeDir.resolve("passphrase"),
          new String(passphrase).getBytes(StandardCharsets.UTF_8),
          true);
      yaml.append("  passphraseFile: passphrase\n");
    }
    yaml.append("  trust: ")
        .append(ca.dir.resolve(Authority.CERT_FILE).toAbsolutePath())
        .append('\n')
        .append("  crl: ")
        .append(ca.dir.resolve(Authority.CRL_FILE).toAbsolutePath())
        .append('\n')
        .append("dataDir: data\n");
    if (!peers.isEmpty()) {
      yaml.append("peers:\n");
      peers.forEach(
          (id, p) -> yaml.append("  ").append(id).append(": 127.0.0.1:").append(p).append('\n'));
    }
    yaml.append(extraYaml);
    Path config = nodeDir.resolve("node.yaml");
    PemFiles.writeAtomically(config, yaml.toString().getBytes(StandardCharsets.UTF_8), false);
    return config;
  }

  /**
   * The shipped claims-matching offer made out by {@code assigner} (a participant URI) for {@code
   * target}, valid until {@code until} (ISO instant).
   */
  public static String claimsOffer(String assigner, String target, String until) {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (var in =
        TestNodes.class.getResourceAsStream(
            "/io/sluice/policy/examples/claims-matching-offer.json")) {
      var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
      root.put("assigner", assigner);
      root.put("target", target);
      for (var c : root.get("permission").get(0).get("constraint")) {
        if (c.get("leftOperand").asText().equals("dateTime")) {
          ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("rightOperand"))
              .put("@value", until);
        }
      }
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static SluiceNode start(Path config) {
    return start(config, Clock.systemUTC());
  }

  /** Starts a node whose every decision runs on {@code clock} (e.g. a {@link ShiftedClock}). */
  public static SluiceNode start(Path config, Clock clock) {
    NodeConfig cfg = NodeConfigLoader.load(config);
    return SluiceNode.start(cfg, Map.of(), clock);
  }

  /** The details of every entry of {@code type} in the node's audit log, oldest first. */
  public static List<com.fasterxml.jackson.databind.node.ObjectNode> audited(
      SluiceNode node, io.sluice.audit.EventType type) {
    node.audit().flush().join();
    return node.audit().store().entries(0, 100_000).stream()
        .filter(e -> e.event().type() == type)
        .map(e -> e.event().details())
        .toList();
  }
}
