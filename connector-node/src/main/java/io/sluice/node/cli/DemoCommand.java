package io.sluice.node.cli;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.demo.MeshDemo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice demo}: whole data spaces on this machine, narrated. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run a demo data space on this machine.",
    subcommands = {DemoCommand.Claims.class, DemoCommand.Mesh.class, DemoCommand.Data.class})
final class DemoCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "claims",
      mixinStandardHelpOptions = true,
      description =
          "A public medical insurance fund and two commercial insurers as node processes: the fund"
              + " publishes its claims-matching offer, insurer A agrees and runs labelled PSI to learn"
              + " what the fund paid for its matched claims only, insurer B is refused, and the audit"
              + " trail of the computation is verified across both nodes and drawn.")
  static final class Claims implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--rows",
        paramLabel = "N",
        defaultValue = "20000",
        description = "Fund settlements (default ${DEFAULT-VALUE}); each insurer has N/10 claims.")
    int rows;

    @Option(
        names = "--keep",
        paramLabel = "DIR",
        description = "Leave the whole data space in DIR to explore with the other commands.")
    Path keep;

    @Override
    public Integer call() throws IOException {
      if (keep != null && Files.exists(keep) && !isEmptyDir(keep)) {
        throw new SluiceException(
            ErrorCode.ALREADY_EXISTS, keep + " is not empty; give a new or empty directory");
      }
      Path target = keep != null ? keep : Files.createTempDirectory("sluice-claims-");
      NodeCommand.setRootLogLevel(ch.qos.logback.classic.Level.ERROR);
      var result =
          new io.sluice.node.demo.ClaimsDemo(spec.commandLine().getOut()).run(target, rows);
      boolean ok =
          result.wrongLabels() == 0 && result.traceVerified() && !result.refusal().isEmpty();
      spec.commandLine()
          .getOut()
          .println(
              "The data space stays in "
                  + target
                  + " (each node's configuration is its node.yaml there; start one with"
                  + " ./sluice node start --config "
                  + target.resolve("fund/node.yaml")
                  + ").");
      return ok ? 0 : 1;
    }
  }

  @Command(
      name = "mesh",
      mixinStandardHelpOptions = true,
      description =
          "Create an authority and N nodes, have every node call every other over mTLS, revoke"
              + " one and show that the others refuse it, then shut down.")
  static final class Mesh implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--nodes",
        paramLabel = "N",
        defaultValue = "3",
        description = "Number of nodes, 2-8 (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description =
            "Keep the data space in DIR (default: a temporary directory, deleted afterwards).")
    Path dir;

    @Override
    public Integer call() throws IOException {
      Path target = dir != null ? dir : Files.createTempDirectory("sluice-mesh-");
      if (dir != null && Files.exists(dir) && !isEmptyDir(dir)) {
        throw new SluiceException(
            ErrorCode.ALREADY_EXISTS, dir + " is not empty; give a new or empty directory");
      }
      NodeCommand.setRootLogLevel(ch.qos.logback.classic.Level.ERROR);
      try {
        new MeshDemo(spec.commandLine().getOut()).run(target, nodes);
      } finally {
        if (dir == null) {
          deleteTree(target);
        }
      }
      return 0;
    }
  }

  @Command(
      name = "data",
      mixinStandardHelpOptions = true,
      description =
          "Write synthetic claims data: DIR/fund/settlements.csv (the fund's settled visits) and"
              + " DIR/insurer/claims.csv (an insurer's claims, about 60%% of them visits the fund"
              + " settled).")
  static final class Data implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "Where to write fund/ and insurer/.")
    Path dir;

    @Option(
        names = "--rows",
        paramLabel = "N",
        defaultValue = "5000",
        description = "Fund settlements (default ${DEFAULT-VALUE}); the insurer gets N/10 claims.")
    int rows;

    @Override
    public Integer call() throws IOException {
      if (rows < 10) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "--rows must be at least 10");
      }
      Files.createDirectories(dir.resolve("fund"));
      Files.createDirectories(dir.resolve("insurer"));
      var fund = io.sluice.node.demo.DemoData.fund(dir.resolve("fund/settlements.csv"), rows, 2026);
      int overlap =
          fund.insurer(dir.resolve("insurer/claims.csv"), "A", Math.max(1, rows / 10), 0.6, 11);
      spec.commandLine()
          .getOut()
          .printf(
              "wrote %s (%,d settlements) and %s (%,d claims, %,d of them settled visits)%n",
              dir.resolve("fund/settlements.csv"),
              fund.size(),
              dir.resolve("insurer/claims.csv"),
              Math.max(1, rows / 10),
              overlap);
      return 0;
    }
  }

  static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
