package io.sluice.node.cli;

import io.sluice.audit.AuditVerification;
import io.sluice.audit.AuditVerifier;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PemFiles;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.CheckPeerRequest;
import io.sluice.proto.v1.CheckPeerResponse;
import io.sluice.store.Database;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice audit}: check the tamper-evident audit trail. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description =
        "Verify a node's audit log, trace data flows across nodes, hold a peer to the heads it"
            + " signed.",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Trace.class,
      AuditCommand.CheckPeer.class
    })
final class AuditCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "trace",
      mixinStandardHelpOptions = true,
      description =
          "Fetch a trace's entries from each node with inclusion proofs against the node's signed"
              + " tree head, verify them, have this node hold each peer to the head it returned"
              + " (a consistency proof from the head it holds), pair every frame and message sent"
              + " with its receipt, and print the timeline. Exit 1 when a discrepancy is found.")
  static final class Trace implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @picocli.CommandLine.Parameters(
        paramLabel = "TRACE",
        description = "Trace id, or 'latest' for this node's newest computation.")
    String traceId;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Option(
        names = "--nodes",
        required = true,
        split = ",",
        paramLabel = "ID",
        description = "The nodes to ask (this node and peers from its configuration).")
    List<String> nodes;

    @Option(
        names = "--format",
        defaultValue = "text",
        paramLabel = "F",
        description = "text, json, dot or html (default ${DEFAULT-VALUE}).")
    String format;

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description = "Write to FILE instead of standard output.")
    Path output;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        defaultValue = "60s",
        converter = NodeHealthCommand.TimeoutConverter.class,
        description =
            "How long to wait for a peer whose latest scheduled head does not cover the whole"
                + " trace yet (default ${DEFAULT-VALUE}).")
    java.time.Duration wait;

    @Override
    public Integer call() throws java.io.IOException {
      NodeConfig cfg = NodeConfigLoader.load(config);
      var identity =
          io.sluice.node.NodeIdentity.load(cfg, System.getenv(), java.time.Clock.systemUTC());
      java.util.Map<String, io.sluice.node.grpc.PeerChannels.Address> addresses =
          new java.util.LinkedHashMap<>();
      String host =
          cfg.listen().host().equals("0.0.0.0") || cfg.listen().host().equals("::")
              ? "127.0.0.1"
              : cfg.listen().host();
      addresses.put(
          cfg.participant(),
          new io.sluice.node.grpc.PeerChannels.Address(host, cfg.listen().port()));
      cfg.peers()
          .forEach(
              (id, hp) ->
                  addresses.put(
                      id, new io.sluice.node.grpc.PeerChannels.Address(hp.host(), hp.port())));
      var collector =
          new io.sluice.node.audit.TraceCollector(
              identity.credentials(),
              identity.trust(),
              addresses,
              cfg.limits().rpcDeadlineMillis());
      io.sluice.audit.trace.TraceRenderer.Format f;
      try {
        f = io.sluice.audit.trace.TraceRenderer.Format.parse(format);
      } catch (RuntimeException e) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "--format must be text, json, dot or html");
      }
      String id =
          traceId.equals("latest") ? collector.latestComputation(cfg.participant()) : traceId;
      var report = collector.collect(id, nodes, wait);
      String rendered = io.sluice.audit.trace.TraceRenderer.render(report, f);
      PrintWriter out = spec.commandLine().getOut();
      if (output != null) {
        PemFiles.writeAtomically(
            output, rendered.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        out.println(
            "trace "
                + id
                + ": "
                + report.status()
                + " ("
                + report.framesPaired()
                + " frames and "
                + report.messagesPaired()
                + " messages paired, "
                + report.discrepancies().size()
                + " discrepancies); written to "
                + output);
      } else {
        out.print(rendered);
        out.flush();
      }
      return report.discrepancies().isEmpty() ? 0 : 1;
    }
  }

  @Command(
      name = "check-peer",
      mixinStandardHelpOptions = true,
      description =
          "Have this node fetch the peer's latest signed tree head and a consistency proof from"
              + " the head it holds of the peer, and report a rewritten log. Exit 1 when the"
              + " peer's head does not extend the one held, or could not be checked.")
  static final class CheckPeer implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Option(
        names = "--peer",
        required = true,
        paramLabel = "ID",
        description = "The peer to check (from the node's configuration).")
    String peer;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(config, null)) {
        if (!client.config.peers().containsKey(peer)) {
          throw client.config.error(
              "peers", "no peer '" + peer + "' (known: " + client.config.peers().keySet() + ")");
        }
        CheckPeerResponse r =
            client.call(
                AuditServiceGrpc.newBlockingStub(client.channel()),
                3 * client.config.limits().rpcDeadlineMillis(),
                s -> s.checkPeer(CheckPeerRequest.newBuilder().setPeer(peer).build()));
        print(r);
        return switch (r.getVerdict()) {
          case "FIRST", "CONSISTENT", "NOT_CHECKED" -> 0;
          default -> 1;
        };
      }
    }

    private void print(CheckPeerResponse r) {
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        var node = ContractCommand.JSON.createObjectNode();
        node.put("peer", peer)
            .put("verdict", r.getVerdict())
            .put("heldSize", r.getHeldSize())
            .put("newSize", r.getNewSize())
            .put("message", r.getMessage());
        out.println(ContractCommand.pretty(node));
      } else {
        out.println(peer + ": " + r.getVerdict() + ": " + r.getMessage());
      }
      out.flush();
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Recompute the Merkle tree from the stored entries and check every signed tree head and"
              + " their consistency. Exit 1 on any mismatch, naming the first bad entry.")
  static final class Verify implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Option(
        names = "--previous-cert",
        paramLabel = "FILE",
        description = "A certificate the node had before its current one (its heads still verify).")
    List<Path> previous = new ArrayList<>();

    @Override
    public Integer call() {
      NodeConfig cfg = NodeConfigLoader.load(config);
      List<X509Certificate> signers = new ArrayList<>();
      signers.add(PemFiles.readCertificate(cfg.identity().cert()));
      previous.forEach(p -> signers.add(PemFiles.readCertificate(p)));
      AuditVerification result;
      try (Database db = Database.open(cfg.store())) {
        signers.addAll(recordedSigners(cfg, db, signers));
        result = new AuditVerifier(signers).verify(db);
      } catch (SluiceException e) {
        throw new SluiceException(
            ErrorCode.UNAVAILABLE, "cannot read the audit log: " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      if (result.ok()) {
        out.printf(
            "audit log of %s verifies: %,d entries, %d signed tree heads, all consistent%n",
            cfg.participant(), result.entries(), result.heads());
        return 0;
      }
      out.println("AUDIT LOG OF " + cfg.participant() + " DOES NOT VERIFY");
      out.println("  " + result.problem().orElseThrow());
      out.printf("  (%,d entries and %d heads read)%n", result.entries(), result.heads());
      return 1;
    }

    /**
     * The certificates the node recorded in its store as ones it ran with (a renewal), that the
     * configured authority issued to this participant: heads they signed verify too.
     */
    private static List<X509Certificate> recordedSigners(
        NodeConfig cfg, Database db, List<X509Certificate> known) {
      var trust =
          io.sluice.identity.AuthorityTrust.load(
              cfg.identity().trust(),
              cfg.identity().crl(),
              java.time.Clock.systemUTC(),
              java.time.Duration.ofSeconds(cfg.identity().crlGraceSeconds()));
      return new io.sluice.identity.CertificateHistory(db)
          .all().stream()
              .filter(c -> !known.contains(c) && trust.issuedTo(c, cfg.participant()))
              .toList();
    }
  }
}
