package io.sluice.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.Agreements;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.ListContractsRequest;
import io.sluice.proto.v1.NegotiationSummary;
import io.sluice.proto.v1.RequestContractRequest;
import io.sluice.proto.v1.ShowContractRequest;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.proto.v1.TerminateContractRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice contract}: negotiate and manage agreements through the node. */
@Command(
    name = "contract",
    mixinStandardHelpOptions = true,
    description = "Negotiate agreements with peers and manage them.",
    subcommands = {
      ContractCommand.Request.class,
      ContractCommand.List.class,
      ContractCommand.Show.class,
      ContractCommand.Terminate.class
    })
final class ContractCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every contract command shares. */
  static final class Common {
    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;
  }

  @Command(
      name = "request",
      mixinStandardHelpOptions = true,
      description =
          "Ask a peer for an agreement on one of its dataset offers; the node negotiates, signs and"
              + " stores it. Exit 0 when FINALIZED, 3 when refused or terminated, 1 while the node"
              + " is still delivering (it keeps trying; see contract show REQUEST-ID).")
  static final class Request implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin Common common;

    @Option(names = "--peer", required = true, paramLabel = "ID", description = "The provider.")
    String peer;

    @Option(
        names = "--dataset",
        required = true,
        paramLabel = "DS",
        description = "The dataset id.")
    String dataset;

    @Option(
        names = "--offer",
        paramLabel = "OID",
        description = "The offer id (default: the first offer you can see).")
    String offer;

    @Option(
        names = "--purpose",
        required = true,
        paramLabel = "P",
        description = "The purpose of use, e.g. claims-settlement.")
    String purpose;

    @Option(
        names = "--policy",
        paramLabel = "FILE",
        description = "The policy to ask for (default: the offer as published).")
    Path policy;

    @Option(
        names = "--accept",
        paramLabel = "FILE",
        description = "Terms you accept; counter-offers outside them are declined.")
    Path accept;

    @Option(
        names = "--request-id",
        paramLabel = "ID",
        description =
            "Your id for this request (default: a new random one, printed). Repeating the command"
                + " with the same id returns the negotiation it started instead of a second one.")
    String requestId;

    @Override
    public Integer call() {
      String id = requestId != null ? requestId : java.util.UUID.randomUUID().toString();
      RequestContractRequest.Builder request =
          RequestContractRequest.newBuilder()
              .setProvider(peer)
              .setDatasetId(dataset)
              .setPurpose(purpose)
              .setRequestId(id);
      if (offer != null) {
        request.setOfferId(offer);
      }
      if (policy != null) {
        request.setPolicyJson(read(policy, "--policy"));
      }
      if (accept != null) {
        request.setAcceptableJson(read(accept, "--accept"));
      }
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        ContractDetails details;
        try {
          details =
              client.call(
                  ContractServiceGrpc.newBlockingStub(client.channel()),
                  // negotiating includes the peer's round trips and signature checks
                  3 * client.config.limits().rpcDeadlineMillis(),
                  s -> s.request(request.build()));
        } catch (SluiceException e) {
          if (e.category() != io.sluice.error.ErrorCategory.UNAVAILABLE) {
            throw e;
          }
          // The node may have started the negotiation before the call failed: say how to find it.
          throw new SluiceException(
              e.code(),
              e.getMessage()
                  + "; the node may still have started it: `sluice contract show "
                  + id
                  + "` finds it, and repeating this command with --request-id "
                  + id
                  + " never starts a second one");
        }
        print(spec.commandLine().getOut(), details, common.json);
        int exit = exitCode(details.getNegotiation().getState());
        if (exit == 1) {
          spec.commandLine()
              .getErr()
              .println(
                  "sluice: negotiation "
                      + details.getNegotiation().getNegotiationId()
                      + " is still "
                      + details.getNegotiation().getState()
                      + ": the node keeps delivering it (`sluice contract show "
                      + id
                      + "` tells how it ends)");
        }
        return exit;
      }
    }

    /** 0 for an agreement, 3 for a refusal or termination, 1 while the node is still delivering. */
    static int exitCode(String state) {
      return switch (state) {
        case "FINALIZED" -> 0;
        case "TERMINATED" -> SluiceCli.EXIT_REFUSED;
        default -> 1;
      };
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List this node's negotiations.")
  static final class List implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin Common common;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        var list =
            client.call(
                ContractServiceGrpc.newBlockingStub(client.channel()),
                s -> s.list(ListContractsRequest.getDefaultInstance()));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
          ArrayNode array = JSON.createArrayNode();
          list.getNegotiationsList().forEach(n -> array.add(summaryJson(n)));
          out.println(pretty(array));
          return 0;
        }
        out.printf(
            "%-36s  %-8s  %-12s  %-16s  %-10s  %s%n",
            "NEGOTIATION", "ROLE", "PEER", "DATASET", "STATE", "AGREEMENT");
        for (NegotiationSummary n : list.getNegotiationsList()) {
          out.printf(
              "%-36s  %-8s  %-12s  %-16s  %-10s  %s%n",
              n.getNegotiationId(),
              n.getRole(),
              n.getCounterparty(),
              n.getDatasetId(),
              n.getState(),
              n.getAgreementId());
        }
        return 0;
      }
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Show a negotiation or agreement: the policy in readable form and both signatures"
              + " verified.")
  static final class Show implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin Common common;

    @Parameters(
        paramLabel = "ID",
        description = "Negotiation id, agreement id, or the request id given to contract request.")
    String id;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Write the signed agreement here (for `sluice agreement verify`).")
    Path out;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        ContractDetails details =
            client.call(
                ContractServiceGrpc.newBlockingStub(client.channel()),
                s -> s.show(ShowContractRequest.newBuilder().setId(id).build()));
        print(spec.commandLine().getOut(), details, common.json);
        if (out != null) {
          if (details.getAgreement().getSignedAgreement().isEmpty()) {
            throw new SluiceException(ErrorCode.NOT_FOUND, id + " has no agreement to write");
          }
          io.sluice.identity.PemFiles.writeAtomically(
              out, details.getAgreement().getSignedAgreement().toByteArray(), false);
        }
        return 0;
      }
    }
  }

  @Command(
      name = "terminate",
      mixinStandardHelpOptions = true,
      description = "Terminate a negotiation, or an agreement for future use; the peer is told.")
  static final class Terminate implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin Common common;

    @Parameters(paramLabel = "ID", description = "Negotiation id or agreement id.")
    String id;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why.")
    String reason;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        ContractDetails details =
            client.call(
                ContractServiceGrpc.newBlockingStub(client.channel()),
                s ->
                    s.terminate(
                        TerminateContractRequest.newBuilder().setId(id).setReason(reason).build()));
        print(spec.commandLine().getOut(), details, common.json);
        return 0;
      }
    }
  }

  static String read(Path file, String option) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, option + ": cannot read " + file);
    }
  }

  static void print(PrintWriter out, ContractDetails details, boolean json) {
    NegotiationSummary n = details.getNegotiation();
    Agreement agreement = null;
    SignedAgreement signed = null;
    if (details.hasAgreement() && !details.getAgreement().getSignedAgreement().isEmpty()) {
      signed = Agreements.parseSigned(details.getAgreement().getSignedAgreement().toByteArray());
      agreement = Agreements.parse(signed);
    }
    if (json) {
      ObjectNode root = JSON.createObjectNode();
      if (!details.getRequestId().isEmpty()) {
        root.put("requestId", details.getRequestId());
      }
      root.set("negotiation", summaryJson(n));
      if (agreement != null) {
        ObjectNode a = root.putObject("agreement");
        a.put("agreementId", agreement.getAgreementId());
        a.put("provider", agreement.getProviderId());
        a.put("consumer", agreement.getConsumerId());
        a.put("dataset", agreement.getDatasetId());
        a.put("offer", agreement.getOfferId());
        a.put("validFrom", Instant.ofEpochMilli(agreement.getValidFromMs()).toString());
        a.put("validUntil", Instant.ofEpochMilli(agreement.getValidUntilMs()).toString());
        a.put("policySha256", agreement.getPolicySha256());
        a.set("policy", policyJson(agreement));
        a.put("providerSignatureValid", details.getAgreement().getProviderSignatureValid());
        a.put("consumerSignatureValid", details.getAgreement().getConsumerSignatureValid());
        ArrayNode problems = a.putArray("problems");
        details.getAgreement().getProblemsList().forEach(problems::add);
      }
      out.println(pretty(root));
      return;
    }
    out.println(
        "negotiation "
            + n.getNegotiationId()
            + " ("
            + n.getRole().toLowerCase()
            + ", with "
            + n.getCounterparty()
            + ")");
    out.println(
        "  dataset   "
            + n.getDatasetId()
            + (n.getOfferId().isEmpty() ? "" : " offer " + n.getOfferId()));
    out.println("  state     " + n.getState());
    if (!details.getRequestId().isEmpty()) {
      out.println("  request   " + details.getRequestId());
    }
    if (n.getNextAttemptMs() > 0) {
      out.println(
          "  delivery  "
              + n.getDeliveryFailures()
              + " failed, next try "
              + Instant.ofEpochMilli(n.getNextAttemptMs()));
    }
    for (String r : n.getReasonsList()) {
      out.println("  reason    " + r);
    }
    if (agreement != null) {
      out.println("agreement " + agreement.getAgreementId());
      out.println(
          "  provider  "
              + agreement.getProviderId()
              + "   signature "
              + (details.getAgreement().getProviderSignatureValid() ? "valid" : "INVALID"));
      out.println(
          "  consumer  "
              + agreement.getConsumerId()
              + "   signature "
              + (details.getAgreement().getConsumerSignatureValid()
                  ? "valid"
                  : (signed.getConsumerSignature().isEmpty() ? "missing" : "INVALID")));
      out.println(
          "  valid     "
              + Instant.ofEpochMilli(agreement.getValidFromMs())
              + " .. "
              + Instant.ofEpochMilli(agreement.getValidUntilMs()));
      out.println("  policy    sha256 " + agreement.getPolicySha256());
      for (String line : pretty(policyJson(agreement)).split("\n")) {
        out.println("    " + line);
      }
      for (String p : details.getAgreement().getProblemsList()) {
        out.println("  PROBLEM   " + p);
      }
    }
  }

  static ObjectNode summaryJson(NegotiationSummary n) {
    ObjectNode o = JSON.createObjectNode();
    o.put("negotiationId", n.getNegotiationId());
    o.put("role", n.getRole());
    o.put("counterparty", n.getCounterparty());
    o.put("dataset", n.getDatasetId());
    o.put("offer", n.getOfferId());
    o.put("state", n.getState());
    o.put("agreementId", n.getAgreementId());
    ArrayNode reasons = o.putArray("reasons");
    n.getReasonsList().forEach(reasons::add);
    o.put("updated", Instant.ofEpochMilli(n.getUpdatedMs()).toString());
    if (n.getNextAttemptMs() > 0) {
      o.put("deliveryFailures", n.getDeliveryFailures());
      o.put("nextAttempt", Instant.ofEpochMilli(n.getNextAttemptMs()).toString());
    }
    return o;
  }

  private static JsonNode policyJson(Agreement agreement) {
    try {
      return JSON.readTree(agreement.getPolicy().toStringUtf8());
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(agreement.getPolicy().toStringUtf8());
    }
  }

  static String pretty(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot print JSON", e);
    }
  }
}
