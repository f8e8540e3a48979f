package io.sluice.node.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.identity.ParticipantId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a node's YAML configuration. Every problem is reported as one {@link ConfigException}
 * naming the file, the line (when known) and the field.
 *
 * <pre>
 * participant: insurer-a            # required; must match the node certificate
 * space: health                     # required; must match the authority
 * listen: 127.0.0.1:7443            # required; host:port
 * identity:                         # required
 *   cert: node.crt                  # this node's certificate (issued by the authority)
 *   key: node.key                   # PKCS#8 key; encrypted keys need SLUICE_PASSPHRASE or passphraseFile
 *   passphraseFile: secret.txt      # optional
 *   trust: authority.crt            # the authority certificate, the only trust anchor
 *   crl: authority.crl              # the authority's CRL; re-read whenever it changes
 * dataDir: data                     # optional, default "data"
 * store: jdbc:sqlite:data/node.db   # optional; jdbc:sqlite:... or jdbc:postgresql://...
 * peers:                            # optional; participant id: host:port
 *   fund: 127.0.0.1:7444
 * limits:                           # optional
 *   rpcDeadlineMillis: 10000
 *   maxMessageBytes: 8388608
 *   shutdownGraceMillis: 10000
 *   handshakeTimeoutMillis: 10000
 * </pre>
 */
public final class NodeConfigLoader {
  /** Every field the configuration accepts, as dotted paths ({@code *} for map keys). */
  public static final Set<String> SCHEMA =
      Set.of(
          "participant",
          "space",
          "listen",
          "identity",
          "identity.cert",
          "identity.key",
          "identity.passphraseFile",
          "identity.trust",
          "identity.crl",
          "dataDir",
          "store",
          "peers",
          "peers.*",
          "limits",
          "limits.rpcDeadlineMillis",
          "limits.maxMessageBytes",
          "limits.shutdownGraceMillis",
          "limits.handshakeTimeoutMillis");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private final Path baseDir;
  private final Map<String, Integer> lines = new HashMap<>();

  private NodeConfigLoader(Path file) {
    this.file = file;
    Path parent = file.toAbsolutePath().getParent();
    this.baseDir = parent == null ? Path.of(".").toAbsolutePath() : parent;
  }

  public static NodeConfig load(Path file) {
    return new NodeConfigLoader(file).read();
  }

  private NodeConfig read() {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(
          file, 0, null, "cannot read the configuration file (" + reasonOf(e) + ")");
    }
    JsonNode root = parse(text);
    if (root == null || !root.isObject()) {
      throw new ConfigException(file, 1, null, "expected a YAML mapping of configuration fields");
    }
    checkKnown(root, "");
    String participant = name(root, "participant");
    String space = name(root, "space");
    NodeConfig.HostPort listen = hostPort(required(root, "listen"), "listen");
    JsonNode id = required(root, "identity");
    if (!id.isObject()) {
      throw error("identity", "expected a mapping with cert, key, trust and crl");
    }
    NodeConfig.Identity identity =
        new NodeConfig.Identity(
            existingFile(id, "identity.cert"),
            existingFile(id, "identity.key"),
            optionalFile(id, "identity.passphraseFile"),
            existingFile(id, "identity.trust"),
            existingFile(id, "identity.crl"));
    Path dataDir = root.has("dataDir") ? path(text(root, "dataDir")) : baseDir.resolve("data");
    String store = root.has("store") ? text(root, "store") : NodeConfig.defaultStore(dataDir);
    if (!store.startsWith("jdbc:sqlite:") && !store.startsWith("jdbc:postgresql:")) {
      throw error("store", "expected a jdbc:sqlite:... or jdbc:postgresql://... URL");
    }
    Map<String, NodeConfig.HostPort> peers = new LinkedHashMap<>();
    if (root.has("peers")) {
      JsonNode p = root.get("peers");
      if (!p.isObject()) {
        throw error("peers", "expected a mapping of participant id to host:port");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = "peers." + e.getKey();
        if (!ParticipantId.isValidName(e.getKey())) {
          throw error(field, "'" + e.getKey() + "' is not a valid participant id");
        }
        peers.put(e.getKey(), hostPort(e.getValue(), field));
      }
    }
    NodeConfig.Limits limits = NodeConfig.Limits.DEFAULTS;
    if (root.has("limits")) {
      JsonNode l = root.get("limits");
      limits =
          new NodeConfig.Limits(
              positive(l, "limits.rpcDeadlineMillis", limits.rpcDeadlineMillis()),
              (int)
                  Math.min(
                      Integer.MAX_VALUE,
                      positive(l, "limits.maxMessageBytes", limits.maxMessageBytes())),
              positive(l, "limits.shutdownGraceMillis", limits.shutdownGraceMillis()),
              positive(l, "limits.handshakeTimeoutMillis", limits.handshakeTimeoutMillis()));
    }
    return new NodeConfig(
        file,
        participant,
        space,
        listen,
        identity,
        dataDir,
        store,
        Map.copyOf(peers),
        limits,
        Map.copyOf(lines));
  }

  /** Parses YAML while remembering the line of every field, for messages. */
  private JsonNode parse(String text) {
    try (JsonParser parser = YAML.getFactory().createParser(text)) {
      while (parser.nextToken() != null) {
        if (parser.currentToken() == JsonToken.FIELD_NAME) {
          String pointer = parser.getParsingContext().pathAsPointer().toString();
          lines.putIfAbsent(dotted(pointer), parser.currentTokenLocation().getLineNr());
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      int line = at == null ? 0 : at.getLineNr();
      String problem = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
      if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
          && marked.getProblemMark() != null) {
        line = marked.getProblemMark().getLine() + 1;
        problem = marked.getProblem();
      }
      throw new ConfigException(file, line, null, "not valid YAML: " + problem);
    } catch (IOException e) {
      throw new ConfigException(file, 0, null, "cannot parse: " + reasonOf(e));
    }
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigException(file, 0, null, "not valid YAML");
    }
  }

  private void checkKnown(JsonNode node, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      String schemaPath = prefix.equals("peers") ? "peers.*" : path;
      if (!SCHEMA.contains(schemaPath)) {
        throw error(path, "unknown field (known fields: " + knownUnder(prefix) + ")");
      }
      JsonNode child = node.get(name);
      if (child.isObject() && !prefix.equals("peers") && !path.equals("peers")) {
        checkKnown(child, path);
      }
    }
  }

  private static String knownUnder(String prefix) {
    return SCHEMA.stream()
        .filter(
            s ->
                prefix.isEmpty()
                    ? !s.contains(".")
                    : s.startsWith(prefix + ".") && !s.substring(prefix.length() + 1).contains("."))
        .map(s -> prefix.isEmpty() ? s : s.substring(prefix.length() + 1))
        .sorted()
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }

  private JsonNode required(JsonNode node, String field) {
    String leaf = field.substring(field.lastIndexOf('.') + 1);
    JsonNode value = node.get(leaf);
    if (value == null || value.isNull()) {
      throw error(field, "missing required field");
    }
    return value;
  }

  private String text(JsonNode node, String field) {
    JsonNode value = required(node, field);
    if (!value.isTextual() && !value.isNumber()) {
      throw error(field, "expected a text value");
    }
    String text = value.asText().trim();
    if (text.isEmpty()) {
      throw error(field, "must not be empty");
    }
    return text;
  }

  private String name(JsonNode node, String field) {
    String value = text(node, field);
    if (!ParticipantId.isValidName(value)) {
      throw error(
          field,
          "'"
              + value
              + "' is not a valid name (lower-case letters, digits, '.', '_' or '-', at most 63)");
    }
    return value;
  }

  private NodeConfig.HostPort hostPort(JsonNode value, String field) {
    if (!value.isTextual()) {
      throw error(field, "expected host:port");
    }
    String text = value.asText().trim();
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw error(field, "expected host:port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw error(field, "port in '" + text + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw error(field, "port " + port + " is out of range 0-65535");
    }
    return new NodeConfig.HostPort(host, port);
  }

  private Path path(String text) {
    return baseDir.resolve(text).normalize();
  }

  private Path existingFile(JsonNode node, String field) {
    Path p = path(text(node, field));
    if (!Files.isRegularFile(p)) {
      throw error(field, "file " + p + " does not exist");
    }
    if (!Files.isReadable(p)) {
      throw error(field, "file " + p + " is not readable");
    }
    return p;
  }

  private Path optionalFile(JsonNode node, String field) {
    String leaf = field.substring(field.lastIndexOf('.') + 1);
    return node.has(leaf) ? existingFile(node, field) : null;
  }

  private long positive(JsonNode node, String field, long fallback) {
    String leaf = field.substring(field.lastIndexOf('.') + 1);
    JsonNode value = node.get(leaf);
    if (value == null) {
      return fallback;
    }
    if (!value.canConvertToLong() || value.asLong() <= 0) {
      throw error(field, "expected a positive whole number");
    }
    return value.asLong();
  }

  /** An error for {@code field}, located at its line when the field appears in the file. */
  private ConfigException error(String field, String problem) {
    return ConfigException.at(file, lines, field, problem);
  }

  private static String dotted(String pointer) {
    return pointer.startsWith("/") ? pointer.substring(1).replace('/', '.') : pointer;
  }

  private static String reasonOf(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getClass().getSimpleName();
  }
}
