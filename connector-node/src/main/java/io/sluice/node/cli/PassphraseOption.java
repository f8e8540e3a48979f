package io.sluice.node.cli;

import io.sluice.identity.Passphrase;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --passphrase-file}, falling back to {@code SLUICE_PASSPHRASE}. */
final class PassphraseOption {
  @Option(
      names = "--passphrase-file",
      paramLabel = "FILE",
      description = "File holding the key passphrase (default: the SLUICE_PASSPHRASE variable).")
  Path file;

  Passphrase read() {
    return Passphrase.fromFileOrEnv(file, System.getenv());
  }
}
