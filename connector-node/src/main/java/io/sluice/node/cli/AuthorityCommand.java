package io.sluice.node.cli;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.Authority;
import io.sluice.identity.Passphrase;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice authority}: the data space root CA. */
@Command(
    name = "authority",
    mixinStandardHelpOptions = true,
    description =
        "Create the data space authority, issue and revoke participant certificates, keep the"
            + " CRL current.",
    subcommands = {
      AuthorityCommand.Init.class,
      AuthorityCommand.Issue.class,
      AuthorityCommand.Revoke.class,
      AuthorityCommand.Crl.class
    })
final class AuthorityCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description =
          "Create DIR/authority.key (encrypted PKCS#8), DIR/authority.crt (self-signed ECDSA"
              + " P-256 root) and DIR/authority.crl. Never overwrites an existing authority.")
  static final class Init implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin PassphraseOption passphrase;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "Authority directory.")
    Path dir;

    @Option(
        names = "--space",
        required = true,
        paramLabel = "SPACE",
        description = "Data space id.")
    String space;

    @Option(names = "--name", paramLabel = "NAME", description = "Display name of the authority.")
    String name;

    @Option(
        names = "--insecure-plaintext-key",
        description = "Write the CA key unencrypted (for throw-away test spaces only).")
    boolean plaintext;

    @Override
    public Integer call() {
      Authority authority;
      if (plaintext) {
        authority = Authority.init(dir, space, name, null, Clock.systemUTC());
      } else {
        try (Passphrase p = passphrase.read()) {
          authority = Authority.init(dir, space, name, p.chars(), Clock.systemUTC());
        } catch (SluiceException e) {
          if (e.code() == ErrorCode.INVALID_ARGUMENT
              && e.getMessage().startsWith("no passphrase")) {
            throw new SluiceException(
                ErrorCode.INVALID_ARGUMENT,
                e.getMessage()
                    + " (refusing to write an unencrypted CA key without --insecure-plaintext-key)");
          }
          throw e;
        }
      }
      var out = spec.commandLine().getOut();
      out.println("authority of data space '" + authority.space() + "' created in " + dir);
      out.println(
          "  certificate "
              + dir.resolve(Authority.CERT_FILE)
              + " (SHA-256 "
              + PeerIdentity.sha256Hex(authority.certificate())
              + ")");
      out.println(
          "  key         "
              + dir.resolve(Authority.KEY_FILE)
              + (plaintext ? " (UNENCRYPTED)" : " (encrypted)"));
      out.println("  CRL         " + dir.resolve(Authority.CRL_FILE));
      return 0;
    }
  }

  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description =
          "Issue a participant certificate for a node's CSR: URI SAN sluice://SPACE/ID, a DNS SAN"
              + " per requested host, roles and attributes as signed claims.")
  static final class Issue implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin PassphraseOption passphrase;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "AUTHDIR",
        description = "Authority directory.")
    Path dir;

    @Option(
        names = "--csr",
        required = true,
        paramLabel = "FILE",
        description = "The node's PKCS#10 request.")
    Path csr;

    @Option(
        names = "--roles",
        required = true,
        split = ",",
        paramLabel = "ROLE",
        description = "Comma-separated roles, e.g. commercial-insurer,operator.")
    List<String> roles;

    @Option(
        names = "--attr",
        paramLabel = "KEY=VALUE",
        description = "A signed attribute, e.g. industry=insurance (repeatable).")
    Map<String, String> attributes = new LinkedHashMap<>();

    @Option(
        names = "--days",
        paramLabel = "N",
        defaultValue = "365",
        description = "Validity in days (default ${DEFAULT-VALUE}).")
    int days;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "Where to write the certificate (PEM).")
    Path out;

    @Override
    public Integer call() {
      if (days <= 0) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "--days must be positive");
      }
      var request = PemFiles.readCsr(csr);
      X509Certificate cert;
      try (Passphrase p = passphrase.read()) {
        Authority authority = Authority.load(dir, p.chars(), Clock.systemUTC());
        cert = authority.issue(request, new ArrayList<>(roles), attributes, Duration.ofDays(days));
      }
      PemFiles.writeCertificate(out, cert);
      PeerIdentity identity = PeerIdentity.fromCertificate(cert);
      spec.commandLine()
          .getOut()
          .println(
              "issued "
                  + out
                  + " for "
                  + identity.id()
                  + " roles "
                  + identity.roles()
                  + " valid until "
                  + identity.notAfter());
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a certificate: re-sign the CRL with the next CRL number.")
  static final class Revoke implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin PassphraseOption passphrase;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "AUTHDIR",
        description = "Authority directory.")
    Path dir;

    @Option(
        names = "--cert",
        required = true,
        paramLabel = "FILE",
        description = "The certificate to revoke.")
    Path cert;

    @Option(
        names = "--reason",
        paramLabel = "R",
        defaultValue = "unspecified",
        description =
            "unspecified, keyCompromise, CACompromise, affiliationChanged, superseded,"
                + " cessationOfOperation, certificateHold or privilegeWithdrawn.")
    String reason;

    @Override
    public Integer call() {
      int code = Authority.parseReason(reason);
      X509Certificate target = PemFiles.readCertificate(cert);
      boolean changed;
      try (Passphrase p = passphrase.read()) {
        Authority authority = Authority.load(dir, p.chars(), Clock.systemUTC());
        changed = authority.revoke(target, code);
      }
      String serial = target.getSerialNumber().toString(16);
      spec.commandLine()
          .getOut()
          .println(
              changed
                  ? "revoked serial "
                      + serial
                      + " ("
                      + reason
                      + "); CRL "
                      + dir.resolve(Authority.CRL_FILE)
                      + " re-signed"
                  : "serial " + serial + " was already revoked; CRL unchanged");
      return 0;
    }
  }

  @Command(
      name = "crl",
      mixinStandardHelpOptions = true,
      description =
          "Re-sign the CRL (same revocations, next CRL number) with a new next update N days"
              + " from now. Nodes refuse every peer once the CRL is past its next update plus"
              + " their grace: run this from cron well before, and copy the CRL to the nodes.")
  static final class Crl implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin PassphraseOption passphrase;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "AUTHDIR",
        description = "Authority directory.")
    Path dir;

    @Option(
        names = "--days",
        paramLabel = "N",
        defaultValue = "30",
        description = "Days until the next update, 1 to 366 (default ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      if (days <= 0 || days > Authority.MAX_CRL_VALIDITY.toDays()) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "--days must be between 1 and " + Authority.MAX_CRL_VALIDITY.toDays());
      }
      java.security.cert.X509CRL crl;
      try (Passphrase p = passphrase.read()) {
        Authority authority = Authority.load(dir, p.chars(), Clock.systemUTC());
        crl = authority.refreshCrl(Duration.ofDays(days));
      }
      int revoked = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
      spec.commandLine()
          .getOut()
          .println(
              "CRL "
                  + dir.resolve(Authority.CRL_FILE)
                  + " re-signed: number "
                  + Authority.crlNumber(crl)
                  + ", "
                  + revoked
                  + " revoked, next update "
                  + crl.getNextUpdate().toInstant());
      return 0;
    }
  }
}
