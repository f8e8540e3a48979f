package io.sluice.node.cli;

import io.sluice.error.ErrorCategory;
import io.sluice.error.SluiceException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code sluice} command line: provisions nodes and drives everything. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = "A trusted data space connector with privacy-preserving computation.",
    subcommands = {
      AuthorityCommand.class,
      NodeCommand.class,
      CertCommand.class,
      PolicyCommand.class,
      CatalogCommand.class,
      ContractCommand.class,
      CollaborationCommand.class,
      AgreementCommand.class,
      DatasetCommand.class,
      ComputeCommand.class,
      ResultsCommand.class,
      AuditCommand.class,
      DemoCommand.class,
    })
public final class SluiceCli implements Runnable {
  /** Exit code for bad input or configuration (picocli uses the same for usage errors). */
  public static final int EXIT_INVALID = 2;

  /** Exit code for a well-formed request that was refused (policy deny, not contained). */
  public static final int EXIT_REFUSED = 3;

  @Spec CommandSpec spec;

  /** Bare {@code sluice}: a usage error (the usage on stderr, exit 2), as {@code sluice help}. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs one command line and returns its exit code; tests call this instead of {@link #main}. */
  public static int execute(String... args) {
    return newCommandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true))
        .execute(args);
  }

  static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SluiceCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(SluiceCli::handleFailure);
    return cli;
  }

  /**
   * Prints one plain line (the stack trace only with --verbose) and maps the failure to an exit
   * code.
   */
  private static int handleFailure(
      Exception failure, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    boolean verbose = isVerbose(parseResult);
    String message =
        failure instanceof SluiceException
            ? failure.getMessage()
            : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    err.println("sluice: " + message);
    if (verbose) {
      failure.printStackTrace(err);
    } else if (!(failure instanceof SluiceException)) {
      err.println("(run with --verbose for details)");
    }
    err.flush();
    if (failure instanceof SluiceException sluice) {
      return exitCode(sluice.category());
    }
    return 1;
  }

  public static int exitCode(ErrorCategory category) {
    return switch (category) {
      case INVALID_ARGUMENT, NOT_FOUND, CONFLICT -> EXIT_INVALID;
      case POLICY_DENIED -> EXIT_REFUSED;
      case PROTOCOL_VIOLATION, RESOURCE_EXHAUSTED, UNAUTHENTICATED, INTERNAL, UNAVAILABLE -> 1;
    };
  }

  private static boolean isVerbose(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sluice " + versionString()};
    }
  }

  public static String versionString() {
    String v = SluiceCli.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
