package io.sluice.node.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces on failure (read by {@link SluiceCli}'s failure handler). */
final class VerboseOption {
  @Option(names = "--verbose", description = "Print stack traces on failure.")
  boolean verbose;
}
