package io.sluice.node.collaboration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.sluice.identity.TestAuthority;
import io.sluice.node.NodeIdentity;
import io.sluice.node.RepoFiles;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.grpc.PeerChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An automotive data space for collaboration tests: an association and OEMs, each with a node
 * configuration on its own port that knows every other member; each OEM publishes its warranty
 * claims with the shipped benchmark offer ({@code deploy/collaborations}) and a stricter one.
 */
final class CollaborationSpace {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String RETRIES =
      "negotiation: {retryInitialMillis: 200, retryMaxMillis: 1000, retryWindowSeconds: 120,"
          + " agreedTimeoutSeconds: 240}\n";

  final Path dir;
  final TestAuthority ca;
  final Map<String, Integer> ports = new LinkedHashMap<>();
  final Map<String, Path> configs = new LinkedHashMap<>();

  CollaborationSpace(Path dir, List<String> members) {
    this.dir = dir;
    this.ca = TestAuthority.create(dir.resolve("ca"), "automotive");
    members.forEach(m -> ports.put(m, DemoSpace.freePort()));
    String offer = read(RepoFiles.root().resolve("deploy/collaborations/oem-benchmark-offer.json"));
    for (String m : members) {
      Map<String, Integer> peers = new LinkedHashMap<>(ports);
      peers.remove(m);
      String yaml = RETRIES;
      if (m.startsWith("oem")) {
        Path nodeDir = dir.resolve(m);
        write(nodeDir.resolve("warranty.csv"), "model_year,component,claims\n2025,brakes,12\n");
        write(nodeDir.resolve("benchmark.json"), offer.replace("oem-a", m));
        write(
            nodeDir.resolve("strict.json"),
            offer.replace("oem-a", m).replace("\"rightOperand\": 5 }", "\"rightOperand\": 10 }"));
        yaml +=
            "datasets:\n  - id: warranty-claims\n    source: warranty.csv\n    offers:\n"
                + "      - id: benchmark\n        policy: benchmark.json\n"
                + "      - id: strict\n        policy: strict.json\n";
      }
      String role = m.startsWith("oem") ? "automotive-oem" : "automotive-association";
      configs.put(
          m, TestNodes.provision(ca, dir, m, List.of(role), null, ports.get(m), peers, yaml));
    }
  }

  /** Credentials of an extra participant of the space that is in no collaboration. */
  Path outsider(String participant) {
    return TestNodes.provision(ca, dir, participant, List.of("automotive-oem"), null);
  }

  /**
   * A benchmark among {@code members}, the first proposing, expiring in 10 days; {@code strictFor}
   * (may be null) draws on its strict offer with the benchmark terms written into the file.
   */
  Path collaborationFile(String id, List<String> members, String strictFor) {
    StringBuilder json = new StringBuilder();
    json.append("{\"id\":\"")
        .append(id)
        .append(
            "\",\"purpose\":\"warranty-benchmark\",\"computation\":\"aggregate\",\"members\":[");
    for (int i = 0; i < members.size(); i++) {
      String p = members.get(i);
      json.append(i == 0 ? "" : ",");
      if (!p.startsWith("oem")) {
        json.append("{\"participant\":\"")
            .append(p)
            .append("\",\"roles\":[\"compute_host\",\"result_receiver\"]}");
        continue;
      }
      json.append("{\"participant\":\"")
          .append(p)
          .append(
              "\",\"roles\":[\"contributor\",\"result_receiver\"],\"dataset\":\"warranty-claims\"");
      if (p.equals(strictFor)) {
        json.append(",\"offer\":\"strict\",\"terms\":")
            .append(read(dir.resolve(p).resolve("benchmark.json")))
            .append("}");
      } else {
        json.append(",\"offer\":\"benchmark\"}");
      }
    }
    json.append(
            "],\"parameters\":{\"groups\":[\"model_year\",\"component\"],"
                + "\"statistics\":[{\"column\":\"claims\",\"function\":\"sum\"}],"
                + "\"outputColumns\":[\"model_year\",\"component\",\"claims\"],"
                + "\"minGroupSize\":5,\"minContributors\":3,\"privacyBudget\":{\"epsilon\":0.5}},")
        .append("\"expires\":\"")
        .append(Instant.now().plus(Duration.ofDays(10)))
        .append("\",\"maxUses\":12}");
    Path file = dir.resolve(id + ".json");
    write(file, json.toString());
    return file;
  }

  CliRunner.Result cli(String... args) {
    return CliRunner.run(args);
  }

  /** {@code sluice collaboration status --json} on {@code member}. */
  JsonNode status(String member, String id) {
    CliRunner.Result r =
        CliRunner.run(
            "collaboration",
            "status",
            "--config",
            configs.get(member).toString(),
            "--id",
            id,
            "--json");
    try {
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new AssertionError(member + ": " + r.out() + r.err(), e);
    }
  }

  /** The signed document {@code member} holds, as {@code collaboration show --out} writes it. */
  byte[] signedDocument(String member, String id) {
    Path out = dir.resolve(member + "-" + id + ".signed");
    CliRunner.Result r =
        CliRunner.run(
            "collaboration",
            "show",
            "--config",
            configs.get(member).toString(),
            "--id",
            id,
            "--out",
            out.toString());
    if (r.exitCode() != 0) {
      throw new AssertionError(r.err());
    }
    try {
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A channel to {@code target} that authenticates with {@code config}'s credentials. */
  ManagedChannel channel(Path config, String target) {
    NodeIdentity identity =
        NodeIdentity.load(NodeConfigLoader.load(config), Map.of(), Clock.systemUTC());
    PeerChannels channels =
        new PeerChannels(identity.credentials(), identity.trust(), Map.of(), 8 << 20);
    return channels.open(target, new PeerChannels.Address("127.0.0.1", ports.get(target)));
  }

  NodeIdentity identity(Path config) {
    return NodeIdentity.load(NodeConfigLoader.load(config), Map.of(), Clock.systemUTC());
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
