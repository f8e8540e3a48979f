package io.sluice.node.cli;

import io.sluice.audit.AuditVerification;
import io.sluice.audit.AuditVerifier;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PemFiles;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
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
    description = "Verify a node's audit log and trace data flows across nodes.",
    subcommands = {AuditCommand.Verify.class})
final class AuditCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
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
  }
}
