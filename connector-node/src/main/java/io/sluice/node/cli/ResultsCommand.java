package io.sluice.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.proto.v1.ListResultsRequest;
import io.sluice.proto.v1.PurgeAll;
import io.sluice.proto.v1.PurgeResultsRequest;
import io.sluice.proto.v1.ResultServiceGrpc;
import io.sluice.proto.v1.ResultView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice results}: the result files this node keeps under their delete duties. */
@Command(
    name = "results",
    mixinStandardHelpOptions = true,
    description =
        "List the result files this node keeps and when each must be deleted; delete them now.",
    subcommands = {ResultsCommand.ListResults.class, ResultsCommand.Purge.class})
final class ResultsCommand implements Runnable {
  private static final String ROW = "%-36s  %-24s  %-40s  %8s  %-20s  %-20s  %s%n";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List the results the node recorded: output file, rows, when it was written, when its"
              + " delete duty says it must go, and what became of it.")
  static final class ListResults implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(names = "--agreement", paramLabel = "ID", description = "Only this agreement's.")
    String agreement;

    @Override
    public Integer call() {
      ListResultsRequest.Builder request = ListResultsRequest.newBuilder();
      if (agreement != null) {
        request.setAgreementId(agreement);
      }
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        var response =
            client.call(
                ResultServiceGrpc.newBlockingStub(client.channel()), s -> s.list(request.build()));
        print(spec.commandLine().getOut(), response.getResultsList(), common.json);
        return 0;
      }
    }
  }

  @Command(
      name = "purge",
      mixinStandardHelpOptions = true,
      description =
          "Delete results now, with their manifests, and audit it: one result, every result past"
              + " its delete-by, or all (of one agreement). Exit 1 if a file could not be deleted.")
  static final class Purge implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    /** Exactly one of: --id, --expired, --all [--agreement]. */
    static final class Which {
      @Option(names = "--id", paramLabel = "ID", description = "The result to delete.")
      String id;

      @Option(names = "--expired", description = "Every result whose delete-by has passed.")
      boolean expired;

      @ArgGroup(exclusive = false)
      All all;
    }

    /** --all, optionally narrowed to one agreement. */
    static final class All {
      @Option(
          names = "--all",
          required = true,
          description = "Every result not deleted yet, with or without a delete duty.")
      boolean all;

      @Option(
          names = "--agreement",
          paramLabel = "ID",
          description = "With --all: only this agreement's.")
      String agreement;
    }

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        var response =
            client.call(
                ResultServiceGrpc.newBlockingStub(client.channel()),
                // deleting many files, each audited, may take longer than a query
                3 * client.config.limits().rpcDeadlineMillis(),
                s -> s.purge(request()));
        List<ResultView> results = response.getResultsList();
        print(spec.commandLine().getOut(), results, common.json);
        boolean failed = results.stream().anyMatch(r -> r.getState().equals("DELETE_FAILED"));
        return failed ? 1 : 0;
      }
    }

    private PurgeResultsRequest request() {
      PurgeResultsRequest.Builder request = PurgeResultsRequest.newBuilder();
      if (which.id != null) {
        return request.setResultId(which.id).build();
      }
      if (which.expired) {
        return request.setExpired(true).build();
      }
      PurgeAll.Builder all = PurgeAll.newBuilder();
      if (which.all.agreement != null) {
        all.setAgreementId(which.all.agreement);
      }
      return request.setAll(all).build();
    }
  }

  static void print(PrintWriter out, List<ResultView> results, boolean json) {
    if (json) {
      ArrayNode array = ContractCommand.JSON.createArrayNode();
      results.forEach(r -> array.add(json(r)));
      out.println(ContractCommand.pretty(array));
      return;
    }
    out.printf(ROW, "RESULT", "AGREEMENT", "OUTPUT", "ROWS", "CREATED", "DELETE BY", "STATE");
    for (ResultView r : results) {
      out.printf(
          ROW,
          r.getResultId(),
          r.getAgreementId(),
          r.getOutputPath(),
          r.getRows(),
          time(r.getCreatedMs()),
          r.hasDeleteByMs() ? time(r.getDeleteByMs()) : "-",
          r.getState()
              + (r.getNote().isEmpty() ? "" : " (" + r.getNote() + ")")
              + (r.getViolation().isEmpty() ? "" : " VIOLATED"));
    }
    results.stream()
        .filter(r -> !r.getViolation().isEmpty())
        .forEach(r -> out.println("violated: " + r.getViolation()));
  }

  private static ObjectNode json(ResultView r) {
    ObjectNode o = ContractCommand.JSON.createObjectNode();
    o.put("resultId", r.getResultId());
    o.put("agreementId", r.getAgreementId());
    o.put("sessionId", r.getSessionId());
    o.put("traceId", r.getTraceId());
    o.put("output", r.getOutputPath());
    o.put("sha256", r.getSha256());
    o.put("bytes", r.getSizeBytes());
    o.put("rows", r.getRows());
    o.put("created", Instant.ofEpochMilli(r.getCreatedMs()).toString());
    if (r.hasDeleteByMs()) {
      o.put("deleteBy", Instant.ofEpochMilli(r.getDeleteByMs()).toString());
      ObjectNode duty = o.putObject("duty");
      duty.put("pointer", r.getDutyPointer());
      duty.put("retention", r.getRetention());
    } else {
      o.putNull("deleteBy");
      o.putNull("duty");
    }
    o.put("state", r.getState());
    if (r.hasDeletedMs()) {
      o.put("deleted", Instant.ofEpochMilli(r.getDeletedMs()).toString());
    } else {
      o.putNull("deleted");
    }
    o.put("note", r.getNote());
    if (r.getViolation().isEmpty()) {
      o.putNull("violation");
    } else {
      o.put("violation", r.getViolation());
    }
    return o;
  }

  /** An instant to the second, e.g. 2026-03-31T10:00:00Z. */
  private static String time(long ms) {
    return Instant.ofEpochSecond(Math.floorDiv(ms, 1000)).toString();
  }
}
