package io.sluice.node.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.Authority;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.NodeEnrollment;
import io.sluice.identity.PemFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A data space on one machine, for demos and end-to-end tests: an authority, and per participant a
 * directory with an encrypted key, a certificate, a passphrase file and a {@code node.yaml}
 * listening on a free loopback port with every other participant as a peer.
 *
 * <pre>
 * DIR/authority/{authority.key, authority.crt, authority.crl, passphrase}
 * DIR/&lt;participant&gt;/{node.key, node.csr, node.crt, passphrase, node.yaml, data/}
 * </pre>
 *
 * The passphrases sit in files next to the keys so the whole space can be started again from disk;
 * that is for demos only.
 */
public final class DemoSpace {
  public static final String CONFIG_FILE = "node.yaml";

  private final Path dir;
  private final Authority authority;
  private final Map<String, Node> nodes;

  /** One provisioned participant. */
  public record Node(
      DemoParticipant participant, Path dir, Path config, int port, NodeCredentials credentials) {
    public Path certificate() {
      return dir.resolve(NodeEnrollment.CERT_FILE);
    }
  }

  private DemoSpace(Path dir, Authority authority, Map<String, Node> nodes) {
    this.dir = dir;
    this.authority = authority;
    this.nodes = nodes;
  }

  /** Creates the authority and every participant under {@code dir}, each with an SQLite store. */
  public static DemoSpace create(Path dir, String space, List<DemoParticipant> participants) {
    return create(dir, space, participants, id -> null);
  }

  /**
   * Creates the authority and every participant under {@code dir}; {@code storeUrl} gives a
   * participant's store JDBC URL (null: the default SQLite file in its data directory).
   */
  public static DemoSpace create(
      Path dir,
      String space,
      List<DemoParticipant> participants,
      java.util.function.Function<String, String> storeUrl) {
    Clock clock = Clock.systemUTC();
    Path authorityDir = dir.resolve("authority");
    char[] authorityPass = newPassphrase(authorityDir.resolve("passphrase"));
    Authority authority =
        Authority.init(authorityDir, space, space + " data space authority", authorityPass, clock);
    AuthorityTrust trust = new AuthorityTrust(authority.certificate(), authority.crlFile(), clock);
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (DemoParticipant p : participants) {
      ports.put(p.id(), freePort());
    }
    Map<String, Node> nodes = new LinkedHashMap<>();
    for (DemoParticipant p : participants) {
      Path nodeDir = dir.resolve(p.id());
      char[] pass = newPassphrase(nodeDir.resolve("passphrase"));
      NodeEnrollment.Enrollment enrollment =
          NodeEnrollment.init(nodeDir, p.id(), p.organization(), List.of("localhost"), pass);
      X509Certificate cert =
          authority.issue(enrollment.csr(), p.roles(), p.attributes(), Duration.ofDays(30));
      PemFiles.writeCertificate(nodeDir.resolve(NodeEnrollment.CERT_FILE), cert);
      Path config = nodeDir.resolve(CONFIG_FILE);
      writeConfig(config, space, p.id(), ports, storeUrl.apply(p.id()));
      nodes.put(
          p.id(),
          new Node(
              p,
              nodeDir,
              config,
              ports.get(p.id()),
              NodeCredentials.of(enrollment.key(), cert, trust, p.id())));
    }
    return new DemoSpace(dir, authority, nodes);
  }

  public Path dir() {
    return dir;
  }

  public Authority authority() {
    return authority;
  }

  public Map<String, Node> nodes() {
    return nodes;
  }

  public Node node(String id) {
    Node node = nodes.get(id);
    if (node == null) {
      throw new SluiceException(ErrorCode.NOT_FOUND, "no participant " + id + " in the demo");
    }
    return node;
  }

  /** Trust as every node of this space sees it (same authority certificate and CRL file). */
  public AuthorityTrust trust() {
    return new AuthorityTrust(authority.certificate(), authority.crlFile(), Clock.systemUTC());
  }

  /**
   * Publishes a dataset on a participant's node the way {@code sluice dataset add} does: the policy
   * next to the node configuration and a declaration in its datasets directory. Running nodes pick
   * it up without a restart.
   */
  public void publish(
      String participant, String datasetId, Path source, String offerId, String policyJson) {
    Node node = node(participant);
    Path policies = node.dir().resolve("policies");
    Path policy = policies.resolve(offerId + ".json");
    PemFiles.writeAtomically(policy, policyJson.getBytes(StandardCharsets.UTF_8), false);
    Map<String, Object> declaration = new LinkedHashMap<>();
    declaration.put("id", datasetId);
    declaration.put("title", datasetId);
    declaration.put("source", source.toAbsolutePath().toString());
    declaration.put(
        "offers", List.of(Map.of("id", offerId, "policy", "../policies/" + offerId + ".json")));
    writeYaml(node.dir().resolve("datasets").resolve(datasetId + ".yaml"), declaration);
  }

  private static void writeConfig(
      Path file, String space, String participant, Map<String, Integer> ports, String store) {
    Map<String, Object> yaml = new LinkedHashMap<>();
    yaml.put("participant", participant);
    yaml.put("space", space);
    yaml.put("listen", "127.0.0.1:" + ports.get(participant));
    Map<String, Object> identity = new LinkedHashMap<>();
    identity.put("cert", NodeEnrollment.CERT_FILE);
    identity.put("key", NodeEnrollment.KEY_FILE);
    identity.put("passphraseFile", "passphrase");
    identity.put("trust", "../authority/" + Authority.CERT_FILE);
    identity.put("crl", "../authority/" + Authority.CRL_FILE);
    yaml.put("identity", identity);
    yaml.put("dataDir", "data");
    if (store != null) {
      yaml.put("store", store);
    }
    Map<String, String> peers = new LinkedHashMap<>();
    ports.forEach(
        (id, port) -> {
          if (!id.equals(participant)) {
            peers.put(id, "127.0.0.1:" + port);
          }
        });
    yaml.put("peers", peers);
    writeYaml(file, yaml);
  }

  private static void writeYaml(Path file, Map<String, Object> yaml) {
    try {
      ObjectMapper mapper =
          new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
      PemFiles.writeAtomically(
          file, mapper.writeValueAsString(yaml).getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.IO_ERROR, "cannot write " + file, e);
    }
  }

  private static char[] newPassphrase(Path file) {
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String pass = HexFormat.of().formatHex(random);
    PemFiles.writeAtomically(file, (pass + "\n").getBytes(StandardCharsets.US_ASCII), true);
    return pass.toCharArray();
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "no free loopback port", e);
    }
  }
}
