package io.sluice.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.negotiation.Agreements;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.proto.v1.SignedCollaboration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice agreement}: signed agreements and collaborations as files, checked offline. */
@Command(
    name = "agreement",
    mixinStandardHelpOptions = true,
    description = "Check signed agreements and collaborations offline.",
    subcommands = {AgreementCommand.Verify.class})
final class AgreementCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Verify a signed agreement (contract show --out) or signed collaboration (collaboration"
              + " show --out) against the authority certificate: every signature, every"
              + " certificate issued by the authority to the participant it names, and revocation"
              + " against the CRL. No node is contacted. Exit 0 when it verifies, 1 when not.")
  static final class Verify implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Parameters(paramLabel = "FILE", description = "The signed document.")
    Path file;

    @Option(
        names = "--authority",
        paramLabel = "CERT",
        description = "The authority certificate (PEM).")
    Path authority;

    @Option(names = "--crl", paramLabel = "FILE", description = "The authority's CRL.")
    Path crl;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "Take the authority certificate and CRL from this node configuration.")
    Path config;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      AuthorityTrust trust = trust();
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "cannot read " + file);
      }
      ObjectNode result =
          CollaborationSignatures.isSignedCollaboration(bytes)
              ? collaboration(CollaborationSignatures.parseSigned(bytes), trust)
              : agreement(Agreements.parseSigned(bytes), trust);
      PrintWriter out = spec.commandLine().getOut();
      boolean valid = result.get("valid").asBoolean();
      if (json) {
        out.println(ContractCommand.pretty(result));
      } else {
        out.println(
            result.get("type").asText()
                + " "
                + result.get("id").asText()
                + (valid ? " verifies" : " DOES NOT VERIFY"));
        result
            .get("signatures")
            .fields()
            .forEachRemaining(
                e ->
                    out.printf(
                        "  %-20s %s%n",
                        e.getKey(), e.getValue().asBoolean() ? "valid" : "INVALID"));
        result.get("problems").forEach(p -> out.println("  PROBLEM " + p.asText()));
      }
      return valid ? 0 : 1;
    }

    private AuthorityTrust trust() {
      Path cert = authority;
      Path crlFile = crl;
      Duration grace = AuthorityTrust.DEFAULT_CRL_GRACE;
      if (config != null) {
        NodeConfig cfg = NodeConfigLoader.load(config);
        cert = cert != null ? cert : cfg.identity().trust();
        crlFile = crlFile != null ? crlFile : cfg.identity().crl();
        grace = Duration.ofSeconds(cfg.identity().crlGraceSeconds());
      }
      if (cert == null || crlFile == null) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "name the authority certificate and its CRL (--authority CERT --crl FILE, or --config)");
      }
      return AuthorityTrust.load(cert, crlFile, Clock.systemUTC(), grace);
    }

    private static ObjectNode collaboration(SignedCollaboration signed, AuthorityTrust trust) {
      CollaborationSignatures.Check check = CollaborationSignatures.check(signed, trust, false);
      ObjectNode o = ContractCommand.JSON.createObjectNode();
      o.put("type", "collaboration");
      o.put("id", check.collaboration() == null ? "?" : check.collaboration().getCollaborationId());
      o.put("valid", check.complete());
      Map<String, Boolean> signatures = new LinkedHashMap<>();
      ArrayNode problems = ContractCommand.JSON.createArrayNode();
      check.problems().forEach(problems::add);
      if (check.collaboration() != null) {
        for (CollaborationMember m : check.collaboration().getMembersList()) {
          signatures.put(m.getParticipant(), check.signed().contains(m.getParticipant()));
          if (!check.signed().contains(m.getParticipant())
              && signed.getSignaturesList().stream()
                  .noneMatch(s -> s.getMember().equals(m.getParticipant()))) {
            problems.add("no signature of member " + m.getParticipant());
          }
        }
        o.put("expires", Instant.ofEpochMilli(check.collaboration().getExpiresMs()).toString());
      }
      o.set("signatures", ContractCommand.JSON.valueToTree(signatures));
      o.set("problems", problems);
      return o;
    }

    private static ObjectNode agreement(SignedAgreement signed, AuthorityTrust trust) {
      Agreements.Check check = Agreements.check(signed, trust);
      ObjectNode o = ContractCommand.JSON.createObjectNode();
      o.put("type", "agreement");
      String id = "?";
      String provider = "provider";
      String consumer = "consumer";
      try {
        Agreement a = Agreements.parse(signed);
        id = a.getAgreementId();
        provider = a.getProviderId();
        consumer = a.getConsumerId();
        o.put("validUntil", Instant.ofEpochMilli(a.getValidUntilMs()).toString());
      } catch (SluiceException e) {
        // the check names the problem
      }
      o.put("id", id);
      o.put("valid", check.fullyValid());
      ObjectNode sigs = o.putObject("signatures");
      sigs.put(provider, check.providerValid());
      sigs.put(consumer, check.consumerValid());
      ArrayNode problems = o.putArray("problems");
      check.problems().forEach(problems::add);
      if (!check.consumerValid() && signed.getConsumerSignature().isEmpty()) {
        problems.add("the consumer's countersignature is missing");
      }
      return o;
    }
  }
}
