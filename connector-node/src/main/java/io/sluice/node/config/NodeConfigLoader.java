package io.sluice.node.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.identity.ParticipantId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
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
 *   crlGraceSeconds: 3600           # after the CRL's nextUpdate + this, every peer is refused
 * dataDir: data                     # optional, default "data"
 * store: jdbc:sqlite:data/node.db   # optional; jdbc:sqlite:... or jdbc:postgresql://...
 * peers:                            # optional; participant id: host:port
 *   fund: 127.0.0.1:7444
 * datasets:                         # optional; see {@link DatasetDeclarations}
 *   - id: settlements
 *     source: data/settlements.csv
 *     offers: [{id: claims-matching, policy: policies/claims-matching-offer.json}]
 * datasetsDir: datasets             # optional; one YAML file per dataset (what `sluice dataset add` writes)
 * health:                           # optional: plaintext gRPC health only, for Kubernetes probes
 *   listen: 0.0.0.0:8081
 * audit:                            # optional: when tree heads of the audit log are signed
 *   signEveryEntries: 10000
 *   signIntervalSeconds: 10
 * results:                          # optional: deleting result files at their delete duty's deadline
 *   sweepIntervalSeconds: 60        # how often the sweep runs (it also runs at start)
 *   graceSeconds: 3600              # deleted later than deadline + grace: the duty was violated
 * negotiation:                      # optional: retrying undelivered negotiation messages
 *   retryWindowSeconds: 600         # retried this long, then the negotiation is given up (peer told)
 *   retryInitialMillis: 500         # first back-off; doubles per failure, with jitter
 *   retryMaxMillis: 30000           # longest back-off
 *   agreedTimeoutSeconds: 1200      # a provider ends a negotiation left in OFFERED/AGREED this long
 * limits:                           # optional
 *   rpcDeadlineMillis: 10000
 *   maxMessageBytes: 8388608
 *   shutdownGraceMillis: 10000
 *   handshakeTimeoutMillis: 10000
 *   maxSessions: 8                  # computations at once; more are refused (RESOURCE_EXHAUSTED)
 *   memoryBytes: 1073741824         # Arrow memory of all computations together
 *   startTimeoutMillis: 5000        # a peer's stream must name its computation within this
 * </pre>
 */
public final class NodeConfigLoader {
  /** The most sessions a node may be configured to run at once. */
  static final long MAX_SESSIONS = 1024;

  /** The largest value any negotiation.* field takes (seconds or milliseconds; ~31 years). */
  static final long MAX_NEGOTIATION_TIMING = 1_000_000_000L;

  /** Every field the configuration accepts ({@code []} list items, {@code *} map keys). */
  public static final Set<String> SCHEMA;

  static {
    Set<String> schema =
        new HashSet<>(
            List.of(
                "participant",
                "space",
                "listen",
                "identity",
                "identity.cert",
                "identity.key",
                "identity.passphraseFile",
                "identity.trust",
                "identity.crl",
                "identity.crlGraceSeconds",
                "dataDir",
                "store",
                "peers",
                "peers.*",
                "datasets",
                "datasetsDir",
                "health",
                "health.listen",
                "audit",
                "audit.signEveryEntries",
                "audit.signIntervalSeconds",
                "results",
                "results.sweepIntervalSeconds",
                "results.graceSeconds",
                "negotiation",
                "negotiation.retryWindowSeconds",
                "negotiation.retryInitialMillis",
                "negotiation.retryMaxMillis",
                "negotiation.agreedTimeoutSeconds",
                "limits",
                "limits.rpcDeadlineMillis",
                "limits.maxMessageBytes",
                "limits.shutdownGraceMillis",
                "limits.handshakeTimeoutMillis",
                "limits.maxSessions",
                "limits.memoryBytes",
                "limits.startTimeoutMillis"));
    for (String f : DatasetDeclarations.SCHEMA) {
      schema.add("datasets[]" + (f.isEmpty() ? "" : "." + f));
    }
    SCHEMA = Set.copyOf(schema);
  }

  private NodeConfigLoader() {}

  public static NodeConfig load(Path file) {
    ConfigDocument doc = ConfigDocument.read(file);
    doc.checkKnown(SCHEMA);
    JsonNode root = doc.root();
    String participant = doc.name(root, "participant");
    String space = doc.name(root, "space");
    NodeConfig.HostPort listen = doc.hostPort(doc.required(root, "listen"), "listen");
    JsonNode id = doc.required(root, "identity");
    if (!id.isObject()) {
      throw doc.error("identity", "expected a mapping with cert, key, trust and crl");
    }
    NodeConfig.Identity identity =
        new NodeConfig.Identity(
            doc.existingFile(id, "identity.cert"),
            doc.existingFile(id, "identity.key"),
            doc.optionalFile(id, "identity.passphraseFile"),
            doc.existingFile(id, "identity.trust"),
            doc.existingFile(id, "identity.crl"),
            doc.nonNegative(
                id, "identity.crlGraceSeconds", NodeConfig.Identity.DEFAULT_CRL_GRACE_SECONDS));
    Path dataDir = doc.path(doc.optionalText(root, "dataDir", "data"));
    String store = doc.optionalText(root, "store", NodeConfig.defaultStore(dataDir));
    if (!store.startsWith("jdbc:sqlite:") && !store.startsWith("jdbc:postgresql:")) {
      throw doc.error("store", "expected a jdbc:sqlite:... or jdbc:postgresql://... URL");
    }
    Map<String, NodeConfig.HostPort> peers = new LinkedHashMap<>();
    if (root.has("peers")) {
      JsonNode p = root.get("peers");
      if (!p.isObject()) {
        throw doc.error("peers", "expected a mapping of participant id to host:port");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = "peers." + e.getKey();
        if (!ParticipantId.isValidName(e.getKey())) {
          throw doc.error(field, "'" + e.getKey() + "' is not a valid participant id");
        }
        peers.put(e.getKey(), doc.hostPort(e.getValue(), field));
      }
    }
    List<DatasetDeclaration> datasets = new ArrayList<>();
    if (root.has("datasets")) {
      JsonNode list = root.get("datasets");
      if (!list.isArray()) {
        throw doc.error("datasets", "expected a list of datasets");
      }
      for (int i = 0; i < list.size(); i++) {
        datasets.add(DatasetDeclarations.read(doc, list.get(i), "datasets[" + i + "]"));
      }
    }
    Path datasetsDir = doc.path(doc.optionalText(root, "datasetsDir", "datasets"));
    NodeConfig.HostPort healthListen = null;
    if (root.has("health")) {
      healthListen =
          doc.hostPort(doc.required(root.get("health"), "health.listen"), "health.listen");
    }
    NodeConfig.Audit audit = NodeConfig.Audit.DEFAULTS;
    if (root.has("audit")) {
      JsonNode a = root.get("audit");
      audit =
          new NodeConfig.Audit(
              doc.positive(a, "audit.signEveryEntries", audit.signEveryEntries()),
              doc.positive(a, "audit.signIntervalSeconds", audit.signIntervalSeconds()));
    }
    NodeConfig.Results results = results(doc, root);
    NodeConfig.NegotiationTiming negotiation = negotiation(doc, root);
    NodeConfig.Limits limits = NodeConfig.Limits.DEFAULTS;
    if (root.has("limits")) {
      JsonNode l = root.get("limits");
      limits =
          new NodeConfig.Limits(
              doc.positive(l, "limits.rpcDeadlineMillis", limits.rpcDeadlineMillis()),
              (int)
                  Math.min(
                      Integer.MAX_VALUE,
                      doc.positive(l, "limits.maxMessageBytes", limits.maxMessageBytes())),
              doc.positive(l, "limits.shutdownGraceMillis", limits.shutdownGraceMillis()),
              doc.positive(l, "limits.handshakeTimeoutMillis", limits.handshakeTimeoutMillis()),
              (int)
                  Math.min(
                      MAX_SESSIONS, doc.positive(l, "limits.maxSessions", limits.maxSessions())),
              doc.positive(l, "limits.memoryBytes", limits.memoryBytes()),
              doc.positive(l, "limits.startTimeoutMillis", limits.startTimeoutMillis()));
      if (limits.memoryBytes() < NodeConfig.Limits.MIN_MEMORY_BYTES) {
        throw doc.error(
            "limits.memoryBytes",
            "at least " + NodeConfig.Limits.MIN_MEMORY_BYTES + " bytes (64 MiB) are needed");
      }
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
        List.copyOf(datasets),
        datasetsDir,
        healthListen,
        audit,
        results,
        negotiation,
        limits,
        doc.lines());
  }

  private static NodeConfig.Results results(ConfigDocument doc, JsonNode root) {
    NodeConfig.Results defaults = NodeConfig.Results.DEFAULTS;
    JsonNode r = root.get("results");
    if (r == null || r.isNull()) {
      return defaults;
    }
    if (!r.isObject()) {
      throw doc.error("results", "expected a mapping with sweepIntervalSeconds and graceSeconds");
    }
    return new NodeConfig.Results(
        doc.positive(r, "results.sweepIntervalSeconds", defaults.sweepIntervalSeconds()),
        doc.nonNegative(r, "results.graceSeconds", defaults.graceSeconds()));
  }

  private static NodeConfig.NegotiationTiming negotiation(ConfigDocument doc, JsonNode root) {
    NodeConfig.NegotiationTiming defaults = NodeConfig.NegotiationTiming.DEFAULTS;
    JsonNode n = root.get("negotiation");
    if (n == null || n.isNull()) {
      return defaults;
    }
    if (!n.isObject()) {
      throw doc.error(
          "negotiation",
          "expected a mapping with retryWindowSeconds, retryInitialMillis, retryMaxMillis and"
              + " agreedTimeoutSeconds");
    }
    NodeConfig.NegotiationTiming timing =
        new NodeConfig.NegotiationTiming(
            doc.positive(n, "negotiation.retryWindowSeconds", defaults.retryWindowSeconds()),
            doc.positive(n, "negotiation.retryInitialMillis", defaults.retryInitialMillis()),
            doc.positive(n, "negotiation.retryMaxMillis", defaults.retryMaxMillis()),
            doc.positive(n, "negotiation.agreedTimeoutSeconds", defaults.agreedTimeoutSeconds()));
    for (String field :
        List.of(
            "retryWindowSeconds", "retryInitialMillis", "retryMaxMillis", "agreedTimeoutSeconds")) {
      if (n.has(field) && n.get(field).asLong() > MAX_NEGOTIATION_TIMING) {
        throw doc.error("negotiation." + field, "at most " + MAX_NEGOTIATION_TIMING);
      }
    }
    if (timing.retryMaxMillis() < timing.retryInitialMillis()) {
      throw doc.error(
          "negotiation.retryMaxMillis", "must not be below negotiation.retryInitialMillis");
    }
    if (timing.agreedTimeoutSeconds() < timing.retryWindowSeconds()) {
      throw doc.error(
          "negotiation.agreedTimeoutSeconds",
          "must not be below negotiation.retryWindowSeconds (a provider would give up on a"
              + " consumer that is still retrying)");
    }
    return timing;
  }
}
