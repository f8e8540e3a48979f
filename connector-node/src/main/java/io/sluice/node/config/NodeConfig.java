package io.sluice.node.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * A node's configuration, as read from its YAML file. Relative paths are resolved against the
 * directory of the file. See {@link NodeConfigLoader} for the format.
 *
 * @param source the file this came from
 * @param participant this node's participant id (must match its certificate)
 * @param space the data space id (must match the authority)
 * @param listen host:port the node serves on
 * @param identity certificate, key, trust anchor and CRL
 * @param dataDir where the node keeps its state
 * @param store JDBC URL of the store; defaults to an SQLite file in the data directory
 * @param peers participant id to host:port of the nodes this one talks to
 * @param datasets datasets declared inline
 * @param datasetsDir directory of dataset files (what {@code sluice dataset add} writes)
 * @param healthListen host:port of a plaintext gRPC health endpoint for orchestrators (probes
 *     cannot present a client certificate), or null for none
 * @param audit how the audit log signs tree heads
 * @param results how often result files past their delete-by are swept, and the grace after it
 * @param negotiation how long undelivered negotiation messages are retried, and how long a provider
 *     waits for the consumer
 * @param limits RPC deadlines and sizes
 * @param fieldLines the line of each field in the source file, for messages
 */
public record NodeConfig(
    Path source,
    String participant,
    String space,
    HostPort listen,
    Identity identity,
    Path dataDir,
    String store,
    Map<String, HostPort> peers,
    java.util.List<DatasetDeclaration> datasets,
    Path datasetsDir,
    HostPort healthListen,
    Audit audit,
    Results results,
    NegotiationTiming negotiation,
    Limits limits,
    Map<String, Integer> fieldLines) {

  /** An error about {@code field} of this configuration, located at its line when known. */
  public ConfigException error(String field, String problem) {
    return ConfigException.at(source, fieldLines, field, problem);
  }

  /**
   * Files of this node's identity, and how long after the CRL's nextUpdate the node still trusts it
   * ({@code crlGraceSeconds}; after that it refuses every peer until a fresh CRL is in place).
   */
  public record Identity(
      Path cert, Path key, Path passphraseFile, Path trust, Path crl, long crlGraceSeconds) {
    public static final long DEFAULT_CRL_GRACE_SECONDS =
        io.sluice.identity.AuthorityTrust.DEFAULT_CRL_GRACE.toSeconds();
  }

  /**
   * When the node signs a tree head of its audit log: every N entries or T seconds, and at stop.
   */
  public record Audit(long signEveryEntries, long signIntervalSeconds) {
    public static final Audit DEFAULTS = new Audit(10_000, 10);
  }

  /**
   * Result retention: the sweep that deletes result files past their delete duty's deadline runs at
   * start and every {@code sweepIntervalSeconds}; a result deleted more than {@code graceSeconds}
   * after its deadline violated its duty.
   */
  public record Results(long sweepIntervalSeconds, long graceSeconds) {
    public static final Results DEFAULTS = new Results(60, 3600);
  }

  /**
   * Negotiation retries: an undelivered message is retried with exponential back-off from {@code
   * retryInitialMillis} to {@code retryMaxMillis} (with jitter) until {@code retryWindowSeconds}
   * have passed, then the negotiation is given up and the peer told when it is back; a provider
   * terminates a negotiation the consumer left in OFFERED or AGREED for {@code
   * agreedTimeoutSeconds} (at least the window).
   */
  public record NegotiationTiming(
      long retryWindowSeconds,
      long retryInitialMillis,
      long retryMaxMillis,
      long agreedTimeoutSeconds) {
    public static final NegotiationTiming DEFAULTS = new NegotiationTiming(600, 500, 30_000, 1200);

    public io.sluice.negotiation.RetryPolicy retryPolicy() {
      return new io.sluice.negotiation.RetryPolicy(
          java.time.Duration.ofMillis(retryInitialMillis),
          java.time.Duration.ofMillis(retryMaxMillis),
          java.time.Duration.ofSeconds(retryWindowSeconds),
          java.time.Duration.ofSeconds(agreedTimeoutSeconds));
    }
  }

  /**
   * Deadlines and size limits applied to every RPC and computation.
   *
   * @param maxSessions computations (either side) the node runs at once; more are refused
   * @param memoryBytes the Arrow memory of all computations together (the root allocator's limit)
   * @param startTimeoutMillis how long a peer's computation stream may stay silent before it names
   *     its agreement
   */
  public record Limits(
      long rpcDeadlineMillis,
      int maxMessageBytes,
      long shutdownGraceMillis,
      long handshakeTimeoutMillis,
      int maxSessions,
      long memoryBytes,
      long startTimeoutMillis) {
    public static final long MIN_MEMORY_BYTES = 64L << 20;
    public static final Limits DEFAULTS =
        new Limits(10_000, 8 * 1024 * 1024, 10_000, 10_000, 8, 1L << 30, 5_000);
  }

  /** A host and port; parsed from {@code host:port} (IPv6 literals in brackets). */
  public record HostPort(String host, int port) {
    @Override
    public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  /** The default store URL for a data directory. */
  public static String defaultStore(Path dataDir) {
    return "jdbc:sqlite:" + dataDir.resolve("node.db");
  }
}
