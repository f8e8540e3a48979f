package io.sluice.node.cli;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.NodeEnrollment;
import io.sluice.identity.Passphrase;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice node renew}: a new key and certificate for the same participant. First a key and
 * CSR in {@code next/} beside the node's key (the key never leaves the node); the authority issues
 * {@code next/node.crt}; {@code --install} checks it and puts it in place, keeping the previous key
 * and certificate in {@code previous/}. The node's agreements stay valid: they bind the
 * participant, not the key.
 */
@Command(
    name = "renew",
    mixinStandardHelpOptions = true,
    description =
        "Renew the node's certificate with a new key: write next/node.key and next/node.csr beside"
            + " identity.key for the authority to sign into next/node.crt; then --install checks"
            + " it (same participant, issued by the authority, matching the new key) and puts it"
            + " in place, the old files moved to previous/. Restart the node afterwards.")
final class NodeRenewCommand implements Callable<Integer> {
  static final String NEXT = "next";
  static final String PREVIOUS = "previous";

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Node configuration (YAML); the new key uses its passphrase.")
  Path config;

  @Option(
      names = "--host",
      paramLabel = "DNS",
      description = "A DNS name for the new request (repeatable; default: the current ones).")
  List<String> hosts = new ArrayList<>();

  @Option(
      names = "--install",
      description = "Install next/node.crt (issued for next/node.csr) as the node's certificate.")
  boolean install;

  @Override
  public Integer call() {
    NodeConfig cfg = NodeConfigLoader.load(config);
    Path next = cfg.identity().key().toAbsolutePath().getParent().resolve(NEXT);
    try (Passphrase passphrase =
        Passphrase.fromFileOrEnv(cfg.identity().passphraseFile(), System.getenv())) {
      if (install) {
        if (!hosts.isEmpty()) {
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT, "--host belongs to the request, not to --install");
        }
        install(cfg, next, passphrase.chars());
      } else {
        request(cfg, next, passphrase.chars());
      }
    }
    return 0;
  }

  private void request(NodeConfig cfg, Path next, char[] passphrase) {
    X509Certificate current = PemFiles.readCertificate(cfg.identity().cert());
    NodeEnrollment.renew(next, current, hosts, passphrase);
    PrintWriter out = spec.commandLine().getOut();
    out.println("new key  " + next.resolve(NodeEnrollment.KEY_FILE) + " (encrypted)");
    out.println(
        "request  "
            + next.resolve(NodeEnrollment.CSR_FILE)
            + " for "
            + PeerIdentity.fromCertificate(current).id()
            + " -> the authority issues it as "
            + next.resolve(NodeEnrollment.CERT_FILE)
            + ", then: sluice node renew --config "
            + config
            + " --install");
  }

  private void install(NodeConfig cfg, Path next, char[] passphrase) {
    Path key = next.resolve(NodeEnrollment.KEY_FILE);
    Path cert = next.resolve(NodeEnrollment.CERT_FILE);
    for (Path p : List.of(key, cert)) {
      if (!Files.isRegularFile(p)) {
        throw new SluiceException(
            ErrorCode.NOT_FOUND, "no renewal to install: " + p + " is missing");
      }
    }
    NodeCredentials renewed = check(cfg, PemFiles.readPrivateKey(key, passphrase), cert);
    Path oldKey = cfg.identity().key();
    Path oldCert = cfg.identity().cert();
    Path keptKey = oldKey.toAbsolutePath().getParent().resolve(PREVIOUS).resolve(name(oldKey));
    Path keptCert = oldCert.toAbsolutePath().getParent().resolve(PREVIOUS).resolve(name(oldCert));
    PemFiles.requireAbsent(keptKey, keptCert);
    move(oldCert, keptCert);
    move(oldKey, keptKey);
    move(key, oldKey);
    move(cert, oldCert);
    try {
      Files.deleteIfExists(next.resolve(NodeEnrollment.CSR_FILE));
      Files.deleteIfExists(next);
    } catch (IOException e) {
      // a leftover request or directory is harmless
    }
    PeerIdentity id = renewed.identity();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "installed "
            + oldCert
            + " for "
            + id.id()
            + " (serial "
            + id.serial()
            + ", valid until "
            + id.notAfter()
            + "); the previous key and certificate are in "
            + keptCert.getParent());
    out.println(
        "restart the node; once it runs, revoke the previous certificate: sluice authority revoke"
            + " --cert "
            + keptCert
            + " --reason superseded");
  }

  /** The new key and certificate as the node would load them: same participant, usable now. */
  private static NodeCredentials check(NodeConfig cfg, PrivateKey key, Path certFile) {
    X509Certificate cert = PemFiles.readCertificate(certFile);
    AuthorityTrust trust =
        AuthorityTrust.load(
            cfg.identity().trust(),
            cfg.identity().crl(),
            Clock.systemUTC(),
            Duration.ofSeconds(cfg.identity().crlGraceSeconds()));
    NodeCredentials renewed;
    try {
      renewed = NodeCredentials.of(key, cert, trust, cfg.participant());
    } catch (SluiceException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, certFile + ": " + e.getMessage());
    }
    if (cert.equals(PemFiles.readCertificate(cfg.identity().cert()))) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, certFile + " is the certificate already installed");
    }
    return renewed;
  }

  private static String name(Path file) {
    return file.getFileName().toString();
  }

  private static void move(Path from, Path to) {
    try {
      Files.createDirectories(to.toAbsolutePath().getParent());
      Files.move(from, to);
    } catch (IOException e) {
      throw new SluiceException(
          ErrorCode.IO_ERROR, "cannot move " + from + " to " + to + ": " + e.getMessage());
    }
  }
}
