package io.sluice.node.cli;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.NodeEnrollment;
import io.sluice.identity.Passphrase;
import io.sluice.node.SluiceNode;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.proto.v1.Identity;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice node}: enrol, run and query a node. */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description =
        "Create a node's key and CSR, renew its certificate, run a node, ask a node who it is"
            + " or whether it is serving.",
    subcommands = {
      NodeCommand.Init.class,
      NodeRenewCommand.class,
      NodeCommand.Start.class,
      NodeCommand.Status.class,
      NodeHealthCommand.class
    })
final class NodeCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description =
          "Write DIR/node.key (P-256, encrypted PKCS#8) and DIR/node.csr (PKCS#10) for the"
              + " authority to sign.")
  static final class Init implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin PassphraseOption passphrase;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Node directory.")
    Path dir;

    @Option(
        names = "--participant",
        required = true,
        paramLabel = "ID",
        description = "Participant id.")
    String participant;

    @Option(names = "--org", paramLabel = "NAME", description = "Organisation name.")
    String org;

    @Option(
        names = "--host",
        paramLabel = "DNS",
        description = "A DNS name the node serves on (repeatable).")
    List<String> hosts = new java.util.ArrayList<>();

    @Override
    public Integer call() {
      try (Passphrase p = passphrase.read()) {
        NodeEnrollment.init(dir, participant, org, hosts, p.chars());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("node key " + dir.resolve(NodeEnrollment.KEY_FILE) + " (encrypted)");
      out.println(
          "request  " + dir.resolve(NodeEnrollment.CSR_FILE) + " -> give it to the authority");
      return 0;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description =
          "Serve gRPC over mutual TLS 1.3 until SIGTERM/SIGINT; in-flight calls finish up to the"
              + " grace period.")
  static final class Start implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Start.class);

    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
      if (verbose.verbose) {
        setRootLogLevel(Level.DEBUG);
      }
      NodeConfig cfg = NodeConfigLoader.load(config);
      SluiceNode node = SluiceNode.start(cfg, System.getenv(), Clock.systemUTC());
      if (!verbose.verbose) {
        // quiet while starting, so a bad configuration gets exactly one line
        setRootLogLevel(Level.INFO);
      }
      // SIGTERM and SIGINT stop the node gracefully and the process exits 0 (a JVM killed by a
      // signal would exit 143); a shutdown hook covers every other way the JVM may end.
      CountDownLatch stopRequested = new CountDownLatch(1);
      for (String name : new String[] {"TERM", "INT"}) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stopRequested.countDown());
        } catch (IllegalArgumentException unsupported) {
          // the platform does not have this signal
        }
      }
      Thread hook = new Thread(node::close, "sluice-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "sluice node "
              + cfg.participant()
              + " listening on "
              + cfg.listen().host()
              + ":"
              + node.port());
      out.flush();
      stopRequested.await();
      log.info("stop requested; shutting down");
      node.close();
      Runtime.getRuntime().removeShutdownHook(hook);
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Call Info over mTLS on this node (or on --peer) and print both identities as"
              + " authenticated.")
  static final class Status implements Callable<Integer> {
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
        paramLabel = "ID",
        description = "Ask this peer instead of the node itself.")
    String peer;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        converter = NodeHealthCommand.TimeoutConverter.class,
        description =
            "Keep trying while the node is not answering yet (just started), up to DURATION,"
                + " e.g. 30s.")
    Duration wait;

    @Override
    public Integer call() throws Exception {
      long deadline = System.nanoTime() + (wait == null ? 0 : wait.toNanos());
      // The configuration and key are read once; only the call is retried, on the same channel.
      try (NodeClient client = NodeClient.connect(config, peer)) {
        while (true) {
          try {
            InfoResponse info =
                client.call(
                    NodeServiceGrpc.newBlockingStub(client.channel()),
                    s -> s.info(InfoRequest.getDefaultInstance()));
            print(info, spec.commandLine().getOut());
            return 0;
          } catch (SluiceException e) {
            // Only "nothing answers yet" is worth waiting for.
            if (e.code() != ErrorCode.UNAVAILABLE || System.nanoTime() - deadline >= 0) {
              throw e;
            }
            Thread.sleep(200);
            client.channel().resetConnectBackoff();
          }
        }
      }
    }

    private void print(InfoResponse info, PrintWriter out) throws Exception {
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.set("node", identityJson(mapper, info.getNode()));
        root.set("caller", identityJson(mapper, info.getCaller()));
        root.put("version", info.getVersion());
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return;
      }
      out.println("node   " + describe(info.getNode()));
      out.println("caller " + describe(info.getCaller()) + "   (as the node authenticated us)");
      out.println("version " + info.getVersion());
    }

    static ObjectNode identityJson(ObjectMapper mapper, Identity id) {
      ObjectNode n = mapper.createObjectNode();
      n.put("participant", id.getParticipantId());
      n.put("space", id.getSpace());
      n.put("organization", id.getOrganization());
      n.putPOJO("roles", id.getRolesList());
      n.putPOJO("attributes", new java.util.TreeMap<>(id.getAttributesMap()));
      n.put("certificateSha256", id.getCertificateSha256());
      n.put("serial", id.getSerial());
      return n;
    }
  }

  static String describe(Identity id) {
    return "sluice://"
        + id.getSpace()
        + "/"
        + id.getParticipantId()
        + (id.getOrganization().isEmpty() ? "" : " (" + id.getOrganization() + ")")
        + " roles="
        + id.getRolesList()
        + (id.getAttributesCount() == 0
            ? ""
            : " attributes=" + new java.util.TreeMap<>(id.getAttributesMap()));
  }

  static void setRootLogLevel(Level level) {
    org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) {
      logback.setLevel(level);
    }
  }
}
