package io.sluice.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.proto.v1.PreparePsiRequest;
import io.sluice.proto.v1.PreparePsiResponse;
import io.sluice.proto.v1.PsiSummary;
import io.sluice.proto.v1.RunPsiRequest;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunUpdate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice compute}: joint computations under an agreement. */
@Command(
    name = "compute",
    mixinStandardHelpOptions = true,
    description = "Run joint computations under an agreement.",
    subcommands = {ComputeCommand.Psi.class, ComputeCommand.Prepare.class})
final class ComputeCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "psi",
      mixinStandardHelpOptions = true,
      description =
          "Private set intersection with the agreement's provider, this node receiving the result."
              + " The node checks the agreement, counts the use, streams Arrow frames over mTLS and"
              + " writes the released result (nothing if it is withheld).")
  static final class Psi implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(
        names = "--agreement",
        required = true,
        paramLabel = "ID",
        description = "The agreement id, or DATASET@PROVIDER for the newest usable agreement.")
    String agreement;

    @Option(
        names = "--input",
        required = true,
        paramLabel = "FILE",
        description = "Our rows: CSV, Parquet or Arrow IPC.")
    Path input;

    @Option(
        names = "--keys",
        required = true,
        split = ",",
        paramLabel = "COL[:RULE]",
        description =
            "Our key columns, paired in order with the agreement's key columns (sluice:keyColumns);"
                + " a case rule (preserve, lower, upper), if given, must be the agreement's.")
    List<String> keys;

    @Option(
        names = "--provider-key",
        paramLabel = "KEY",
        description =
            "Which of the agreement's keys to join on, e.g. national_id:upper,visit_date"
                + " (default: the agreement's only key).")
    String providerKey;

    @Option(
        names = "--mode",
        paramLabel = "MODE",
        description = "psi, psi-cardinality or psi-label (default: what the agreement permits).")
    String mode;

    @Option(
        names = "--reveal",
        split = ",",
        paramLabel = "COL",
        description =
            "psi-label: the provider's columns to reveal (default: the agreement's output columns).")
    List<String> reveal = new ArrayList<>();

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description = "Result file: .arrow, .parquet or .csv.")
    Path output;

    @Option(
        names = "--session-id",
        paramLabel = "ID",
        description =
            "Run as this session (letters, digits, . _ : -; at most 64), to retry a run that failed"
                + " before anything left this node: its use is counted once. A session whose use"
                + " was spent is refused. Default: a new session.")
    String sessionId;

    @Option(
        names = "--batch-size",
        paramLabel = "N",
        description = "Rows per frame (default 32768).")
    int batchSize;

    @Override
    public Integer call() {
      RunPsiRequest.Builder request =
          RunPsiRequest.newBuilder()
              .setAgreementId(agreement)
              .setInputPath(input.toAbsolutePath().toString())
              .addAllKeys(columns(keys))
              .addAllPayloadColumns(reveal)
              .setBatchSize(batchSize);
      if (mode != null) {
        request.setMode(mode);
      }
      if (providerKey != null) {
        request.setProviderKey(providerKey);
      }
      if (output != null) {
        request.setOutputPath(output.toAbsolutePath().toString());
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ProgressDisplay progress = new ProgressDisplay(err, System.console() != null && !common.json);
      PsiSummary summary = null;
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        Iterator<RunUpdate> updates =
            ComputeControlServiceGrpc.newBlockingStub(client.channel())
                .withDeadlineAfter(6, TimeUnit.HOURS)
                .run(
                    RunRequest.newBuilder()
                        .setSessionId(sessionId == null ? "" : sessionId)
                        .setPsi(request)
                        .build());
        while (updates.hasNext()) {
          RunUpdate u = updates.next();
          if (u.hasProgress()) {
            progress.update(u.getProgress().getStage(), u.getProgress().getRows());
          } else if (u.hasSummary()) {
            summary = u.getSummary().getPsi();
          }
        }
      } catch (StatusRuntimeException e) {
        progress.finish();
        throw StatusMapping.fromStatus(e, "the computation");
      }
      progress.finish();
      if (summary == null) {
        throw new SluiceException(
            ErrorCode.UNAVAILABLE, "the node ended the computation without a summary");
      }
      print(out, summary, common.json);
      return summary.getOutcome().equals("released") ? 0 : SluiceCli.EXIT_REFUSED;
    }
  }

  @Command(
      name = "prepare",
      mixinStandardHelpOptions = true,
      description =
          "As the provider: build the labelled-PSI table of the current key epoch ahead of time, so"
              + " that sessions only do the online part.")
  static final class Prepare implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;
    @Mixin ContractCommand.Common common;

    @Option(
        names = "--agreement",
        required = true,
        paramLabel = "ID",
        description = "The agreement.")
    String agreement;

    @Option(
        names = "--provider-key",
        paramLabel = "KEY",
        description = "Which of the agreement's keys (default: the agreement's only key).")
    String providerKey;

    @Option(
        names = "--reveal",
        split = ",",
        paramLabel = "COL",
        description =
            "The columns the table reveals for matched rows (default: the agreement's output"
                + " columns).")
    List<String> reveal = new ArrayList<>();

    @Override
    public Integer call() {
      try (NodeClient client = NodeClient.connect(common.config, null)) {
        PreparePsiResponse r =
            client.call(
                ComputeControlServiceGrpc.newBlockingStub(client.channel()),
                TimeUnit.HOURS.toMillis(6),
                s ->
                    s.preparePsi(
                        PreparePsiRequest.newBuilder()
                            .setAgreementId(agreement)
                            .setKeyColumns(providerKey == null ? "" : providerKey)
                            .addAllPayloadColumns(reveal)
                            .build()));
        spec.commandLine()
            .getOut()
            .println(
                "prepared the psi-label table of epoch "
                    + r.getKeyEpoch()
                    + ": "
                    + r.getRows()
                    + " distinct keys in "
                    + r.getElapsedMs()
                    + " ms");
        return 0;
      }
    }
  }

  static List<KeyColumn> columns(List<String> specs) {
    List<KeyColumn> out = new ArrayList<>();
    for (String s : specs) {
      int colon = s.lastIndexOf(':');
      if (colon > 0) {
        out.add(
            KeyColumn.newBuilder()
                .setName(s.substring(0, colon))
                .setCaseRule(s.substring(colon + 1))
                .build());
      } else {
        out.add(KeyColumn.newBuilder().setName(s).build());
      }
    }
    return out;
  }

  static void print(PrintWriter out, PsiSummary s, boolean json) {
    if (json) {
      ObjectNode o = ContractCommand.JSON.createObjectNode();
      o.put("outcome", s.getOutcome());
      o.put("reason", s.getReason());
      o.put("inputRows", s.getInputRows());
      o.put("skippedRows", s.getSkippedRows());
      o.put("inputKeys", s.getInputKeys());
      o.put("senderKeys", s.getSenderKeys());
      o.put("matchedRows", s.getMatchedRows());
      o.put("intersectionSize", s.getIntersectionSize());
      o.put("outputRows", s.getOutputRows());
      o.put("output", s.getOutputPath());
      o.put("deleteBy", s.getDeleteBy());
      o.put("elapsedMs", s.getElapsedMs());
      o.put("bytesSent", s.getBytesSent());
      o.put("bytesReceived", s.getBytesReceived());
      o.put("traceId", s.getTraceId());
      o.put("sessionId", s.getSessionId());
      out.println(ContractCommand.pretty(o));
      return;
    }
    out.println(
        "result       "
            + s.getOutcome().toUpperCase(Locale.ROOT)
            + (s.getReason().isEmpty() ? "" : " (" + s.getReason() + ")"));
    out.printf(
        Locale.ROOT,
        "input rows   %,d: %,d distinct keys sent, %,d skipped (null or blank key)%n",
        s.getInputRows(),
        s.getInputKeys(),
        s.getSkippedRows());
    out.printf(Locale.ROOT, "provider     %,d distinct keys%n", s.getSenderKeys());
    if (s.getOutcome().equals("released")) {
      out.printf(
          Locale.ROOT,
          "matched      %,d rows, %,d distinct keys%n",
          s.getMatchedRows(),
          s.getIntersectionSize());
      if (!s.getOutputPath().isEmpty()) {
        out.printf(
            Locale.ROOT, "output       %s (%,d rows)%n", s.getOutputPath(), s.getOutputRows());
      }
      if (!s.getDeleteBy().isEmpty()) {
        out.printf(Locale.ROOT, "delete by    %s (the agreement's delete duty)%n", s.getDeleteBy());
      }
    }
    out.printf(Locale.ROOT, "elapsed      %.1f s%n", s.getElapsedMs() / 1000.0);
    out.printf(
        Locale.ROOT,
        "bytes        %,d sent, %,d received%n",
        s.getBytesSent(),
        s.getBytesReceived());
    out.println(
        "trace        " + s.getTraceId() + "   (sluice audit trace " + s.getTraceId() + " ...)");
  }

  /** A progress bar on a terminal, plain lines otherwise. */
  static final class ProgressDisplay {
    private final PrintWriter err;
    private final boolean terminal;
    private final Map<String, Long> stages = new LinkedHashMap<>();
    private long lastLine;
    private boolean drew;

    ProgressDisplay(PrintWriter err, boolean terminal) {
      this.err = err;
      this.terminal = terminal;
      for (String s : List.of("blinded", "sent", "received", "matched")) {
        stages.put(s, 0L);
      }
    }

    void update(String stage, long rows) {
      stages.put(stage, rows);
      StringBuilder line = new StringBuilder();
      stages.forEach((k, v) -> line.append(String.format(Locale.ROOT, "%s %,d  ", k, v)));
      if (terminal) {
        err.print("\r" + line.toString().stripTrailing() + "   ");
        err.flush();
        drew = true;
      } else if (System.nanoTime() - lastLine > 2_000_000_000L) {
        err.println("progress: " + line.toString().stripTrailing());
        err.flush();
        lastLine = System.nanoTime();
      }
    }

    void finish() {
      if (drew) {
        err.println();
        err.flush();
      }
    }
  }
}
