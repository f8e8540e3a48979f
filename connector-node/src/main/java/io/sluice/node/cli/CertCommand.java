package io.sluice.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice cert}: inspect certificates. */
@Command(
    name = "cert",
    mixinStandardHelpOptions = true,
    description = "Inspect certificates.",
    subcommands = {CertCommand.Show.class})
final class CertCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Print subject, participant id, roles, attributes, validity and SHA-256 fingerprint.")
  static final class Show implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Parameters(paramLabel = "FILE", description = "A PEM certificate.")
    Path file;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      X509Certificate cert = PemFiles.readCertificate(file);
      PrintWriter out = spec.commandLine().getOut();
      boolean ca = cert.getBasicConstraints() >= 0;
      PeerIdentity id = ca ? null : PeerIdentity.fromCertificate(cert);
      String subject = cert.getSubjectX500Principal().getName();
      String fingerprint = PeerIdentity.sha256Hex(cert);
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.put("subject", subject);
        n.put("issuer", cert.getIssuerX500Principal().getName());
        n.put("ca", ca);
        if (id != null) {
          n.put("participant", id.participant());
          n.put("space", id.space());
          n.put("uri", id.id().uri());
          n.put("organization", id.organization());
          n.putPOJO("roles", id.roles());
          n.putPOJO("attributes", id.attributes());
        }
        n.put("serial", cert.getSerialNumber().toString(16));
        n.put("notBefore", cert.getNotBefore().toInstant().toString());
        n.put("notAfter", cert.getNotAfter().toInstant().toString());
        n.put("sha256", fingerprint);
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        return 0;
      }
      out.println("subject      " + subject);
      out.println("issuer       " + cert.getIssuerX500Principal().getName());
      if (ca) {
        out.println("type         data space authority (CA)");
      } else {
        out.println("participant  " + id.participant() + "  (" + id.id().uri() + ")");
        out.println("organization " + (id.organization().isEmpty() ? "-" : id.organization()));
        out.println("roles        " + String.join(", ", id.roles()));
        out.println(
            "attributes   "
                + (id.attributes().isEmpty()
                    ? "-"
                    : id.attributes().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .reduce((a, b) -> a + ", " + b)
                        .orElse("")));
      }
      out.println("serial       " + cert.getSerialNumber().toString(16));
      out.println(
          "valid        "
              + cert.getNotBefore().toInstant()
              + " .. "
              + cert.getNotAfter().toInstant());
      out.println("sha256       " + fingerprint);
      return 0;
    }
  }
}
