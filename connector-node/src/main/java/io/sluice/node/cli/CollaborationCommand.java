package io.sluice.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.collaboration.CollaborationFile;
import io.sluice.collaboration.CollaborationRules;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.identity.PemFiles;
import io.sluice.proto.v1.CollaborationControlGrpc;
import io.sluice.proto.v1.CollaborationDetails;
import io.sluice.proto.v1.CollaborationIdRequest;
import io.sluice.proto.v1.CollaborationStatus;
import io.sluice.proto.v1.ListCollaborationsRequest;
import io.sluice.proto.v1.MemberStatus;
import io.sluice.proto.v1.ProposeCollaborationRequest;
import io.sluice.proto.v1.SignCollaborationRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice collaboration}: agreements among N participants (docs/collaborations.md). A
 * proposal is stored PROPOSED on every other member until that member's operator reviews and signs
 * it; nothing is signed automatically.
 */
@Command(
    name = "collaboration",
    mixinStandardHelpOptions = true,
    description = "Propose, review, sign and inspect collaborations (multi-party agreements).",
    subcommands = {
      CollaborationCommand.Propose.class,
      CollaborationCommand.Sign.class,
      CollaborationCommand.Refuse.class,
      CollaborationCommand.Show.class,
      CollaborationCommand.Status.class,
      CollaborationCommand.List.class
    })
final class CollaborationCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** 0 in force, 3 refused or expired, 1 while signatures are still being collected. */
  static int exitCode(String state) {
    return switch (state) {
      case "IN_FORCE" -> 0;
      case "REFUSED", "EXPIRED" -> SluiceCli.EXIT_REFUSED;
      default -> 1;
    };
  }

  static CollaborationControlGrpc.CollaborationControlBlockingStub stub(NodeClient client) {
    return CollaborationControlGrpc.newBlockingStub(client.channel());
  }

  @Command(
      name = "propose",
      mixinStandardHelpOptions = true,
      description =
          "Propose a collaboration from a file; this node signs it and sends it to every member,"
              + " where it waits PROPOSED for the member's operator. Exit 1 while members have yet"
              + " to sign, 3 when a member refused, 0 when in force.")
  static final class Propose implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(
        names = "--file",
        required = true,
        paramLabel = "FILE",
        description = "The collaboration file (JSON, see docs/collaborations.md).")
    Path file;

    @Override
    public Integer call() {
      String json = ContractCommand.read(file, "--file");
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        CollaborationDetails d =
            client.call(
                stub(client),
                // proposing reads members' catalogs and delivers to every member
                4 * client.config.limits().rpcDeadlineMillis(),
                s ->
                    s.propose(
                        ProposeCollaborationRequest.newBuilder()
                            .setCollaborationJson(json)
                            .build()));
        printStatus(spec.commandLine().getOut(), d, common.json);
        return exitCode(d.getStatus().getState());
      }
    }
  }

  @Command(
      name = "sign",
      mixinStandardHelpOptions = true,
      description =
          "Countersign a collaboration this node holds PROPOSED, after checking it against this"
              + " node's own offer (and --accept terms); a collaboration whose terms are not met is"
              + " refused with the reasons instead (exit 3).")
  static final class Sign implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "Collaboration id.")
    String id;

    @Option(
        names = "--accept",
        paramLabel = "FILE",
        description = "Terms this member accepts (ODRL); every draw's terms must be within them.")
    Path accept;

    @Override
    public Integer call() {
      SignCollaborationRequest.Builder request =
          SignCollaborationRequest.newBuilder().setCollaborationId(id);
      if (accept != null) {
        request.setAcceptableJson(ContractCommand.read(accept, "--accept"));
      }
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        CollaborationDetails d =
            client.call(
                stub(client),
                2 * client.config.limits().rpcDeadlineMillis(),
                s -> s.sign(request.build()));
        printStatus(spec.commandLine().getOut(), d, common.json);
        String state = d.getStatus().getState();
        return state.equals("SIGNING") ? 0 : exitCode(state);
      }
    }
  }

  @Command(
      name = "refuse",
      mixinStandardHelpOptions = true,
      description =
          "Refuse a collaboration this node holds PROPOSED, with the reason; the proposer is told"
              + " and it never comes into force (exit 3).")
  static final class Refuse implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "Collaboration id.")
    String id;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why.")
    String reason;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        CollaborationDetails d =
            client.call(
                stub(client),
                2 * client.config.limits().rpcDeadlineMillis(),
                s ->
                    s.refuse(
                        io.sluice.proto.v1.RefuseCollaborationRequest.newBuilder()
                            .setCollaborationId(id)
                            .setReason(reason)
                            .build()));
        printStatus(spec.commandLine().getOut(), d, common.json);
        return exitCode(d.getStatus().getState());
      }
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Show a collaboration's document as this node holds it, for review, with its signatures"
              + " checked; --out writes the signed document for `sluice agreement verify`.")
  static final class Show implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "Collaboration id.")
    String id;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the signed document here.")
    Path out;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        CollaborationDetails d = show(client, id);
        if (out != null) {
          PemFiles.writeAtomically(out, d.getSignedCollaboration().toByteArray(), false);
        }
        ObjectNode root = ContractCommand.JSON.createObjectNode();
        var signed = CollaborationSignatures.parseSigned(d.getSignedCollaboration().toByteArray());
        root.set(
            "collaboration",
            CollaborationFile.toJson(
                CollaborationRules.parseCanonical(signed.getCollaboration().toByteArray())));
        root.set("status", statusJson(d.getStatus()));
        ArrayNode problems = root.putArray("problems");
        d.getProblemsList().forEach(problems::add);
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
          w.println(ContractCommand.pretty(root));
        } else {
          printStatus(w, d, false);
          w.println("document");
          for (String line : ContractCommand.pretty(root.get("collaboration")).split("\n")) {
            w.println("  " + line);
          }
          if (out != null) {
            w.println("signed document written to " + out);
          }
        }
        return 0;
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Where a collaboration stands: its state, who signed, what is still being delivered.")
  static final class Status implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "Collaboration id.")
    String id;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        CollaborationDetails d = show(client, id);
        printStatus(spec.commandLine().getOut(), d, common.json);
        return exitCode(d.getStatus().getState());
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List this node's collaborations.")
  static final class List implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        var list =
            client.call(stub(client), s -> s.list(ListCollaborationsRequest.getDefaultInstance()));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
          ArrayNode array = ContractCommand.JSON.createArrayNode();
          list.getCollaborationsList().forEach(c -> array.add(statusJson(c)));
          out.println(ContractCommand.pretty(array));
          return 0;
        }
        out.printf(
            "%-32s  %-8s  %-14s  %-10s  %-9s  %s%n",
            "COLLABORATION", "ROLE", "PROPOSER", "STATE", "SIGNED", "COMPUTATION");
        for (CollaborationStatus c : list.getCollaborationsList()) {
          long signed = c.getMembersList().stream().filter(MemberStatus::getSigned).count();
          out.printf(
              "%-32s  %-8s  %-14s  %-10s  %-9s  %s%n",
              c.getCollaborationId(),
              c.getRole(),
              c.getProposer(),
              c.getState(),
              signed + "/" + c.getMembersCount(),
              c.getComputation());
        }
        return 0;
      }
    }
  }

  static CollaborationDetails show(NodeClient client, String id) {
    return client.call(
        stub(client),
        s -> s.show(CollaborationIdRequest.newBuilder().setCollaborationId(id).build()));
  }

  static void printStatus(PrintWriter out, CollaborationDetails d, boolean json) {
    CollaborationStatus c = d.getStatus();
    if (json) {
      ObjectNode root = statusJson(c);
      ArrayNode problems = root.putArray("problems");
      d.getProblemsList().forEach(problems::add);
      out.println(ContractCommand.pretty(root));
      return;
    }
    out.println(
        "collaboration "
            + c.getCollaborationId()
            + " ("
            + c.getRole().toLowerCase()
            + ", proposed by "
            + c.getProposer()
            + ")");
    out.println("  state     " + c.getState());
    out.println(
        "  computes  "
            + c.getComputation()
            + ", uses "
            + c.getUseCount()
            + " of "
            + c.getMaxUses());
    out.println("  expires   " + Instant.ofEpochMilli(c.getExpiresMs()));
    for (MemberStatus m : c.getMembersList()) {
      out.printf(
          "  member    %-16s %-32s %s%s%n",
          m.getParticipant(),
          String.join(",", m.getRolesList()),
          m.getSigned() ? "signed" : "not signed (here)",
          m.getPending().isEmpty()
              ? ""
              : ", " + m.getPending() + " pending (" + m.getDeliveryFailures() + " failed)");
    }
    for (String r : c.getReasonsList()) {
      out.println("  reason    " + r);
    }
    for (String p : d.getProblemsList()) {
      out.println("  PROBLEM   " + p);
    }
  }

  static ObjectNode statusJson(CollaborationStatus c) {
    ObjectNode o = ContractCommand.JSON.createObjectNode();
    o.put("collaborationId", c.getCollaborationId());
    o.put("role", c.getRole());
    o.put("proposer", c.getProposer());
    o.put("state", c.getState());
    o.put("computation", c.getComputation());
    o.put("expires", Instant.ofEpochMilli(c.getExpiresMs()).toString());
    o.put("updated", Instant.ofEpochMilli(c.getUpdatedMs()).toString());
    o.put("useCount", c.getUseCount());
    o.put("maxUses", c.getMaxUses());
    ArrayNode members = o.putArray("members");
    for (MemberStatus m : c.getMembersList()) {
      ObjectNode mo = members.addObject();
      mo.put("participant", m.getParticipant());
      ArrayNode roles = mo.putArray("roles");
      m.getRolesList().forEach(roles::add);
      mo.put("signed", m.getSigned());
      if (!m.getPending().isEmpty()) {
        mo.put("pending", m.getPending());
        mo.put("deliveryFailures", m.getDeliveryFailures());
      }
    }
    ArrayNode reasons = o.putArray("reasons");
    c.getReasonsList().forEach(reasons::add);
    return o;
  }
}
